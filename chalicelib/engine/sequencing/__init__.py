"""The pure sequencer (chalicelib/engine/sequencer.py is its public face)."""
