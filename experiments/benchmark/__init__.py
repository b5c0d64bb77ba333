"""``benchmark-inventory``: what the XTREME benchmark holds, counted from the data (``experiment``)."""
