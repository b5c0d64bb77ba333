"""``alignment-stability``: the research question's experiment (``experiment``), its
perturbations (``perturb``, ``attack``, ``lexicon``) and its figure (``plot``)."""
