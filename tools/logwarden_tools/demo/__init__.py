"""``logwarden demo``: the whole pipeline on one machine, on generated order-system traffic."""
