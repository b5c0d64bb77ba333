"""``dataset-facts``: facts about the paper's datasets, checked against the data (``experiment``)."""
