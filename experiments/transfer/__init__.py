"""``xtreme-transfer``: the paper's protocol (``experiment``), its stages (``pipeline``), its
params (``params``), its planner (``plan``) and its headline arithmetic (``headline``)."""
