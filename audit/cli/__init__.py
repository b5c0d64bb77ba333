"""The ``audit`` command line (``main``): each command parses, calls one library function and
renders; the options the commands share are declared once (``options``).
"""
