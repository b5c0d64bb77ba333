"""What experiments compute with and ``audit``'s core never needs: the stage cache and the data sources.

Dependencies run one way: ``experiments`` imports ``audit`` (the contract, records,
determinism), never the reverse except through the lazy registries of
``experiments.__init__``. Being inside the experiment package, this code is part of
every run's code hash and every stage key.
"""
