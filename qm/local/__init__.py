"""The embedded runtime: an AWS emulator, the same resources and handlers, on one machine."""
