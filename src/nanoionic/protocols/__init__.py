"""Protocols: text grammar → typed steps → piecewise waveform."""

from nanoionic.protocols.compile import compile_protocol, protocol_text
from nanoionic.protocols.parse import parse_protocol
from nanoionic.protocols.steps import Hold, Protocol, Pulse, Read, Repeat, Sweep, Wait
from nanoionic.protocols.waveform import KIND, Waveform, merge_terminals

__all__ = [
    "parse_protocol", "compile_protocol", "protocol_text", "Protocol", "Sweep", "Pulse", "Read",
    "Wait", "Hold", "Repeat", "Waveform", "KIND", "merge_terminals",
]
