"""One module per `wgan` subcommand."""
