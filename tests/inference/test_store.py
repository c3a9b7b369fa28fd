"""Which model a request runs: a reference photo switches the default to the reference-guided model."""

from chromalab.inference.store import DEFAULT_MODEL, REFERENCE_MODEL, model_for


def test_a_reference_switches_only_the_default_and_only_to_an_installed_reference_model():
    assert model_for(DEFAULT_MODEL, True) == REFERENCE_MODEL
    assert model_for(DEFAULT_MODEL, False) == DEFAULT_MODEL
    assert model_for("runs/mine", True) == "runs/mine"
    assert model_for(DEFAULT_MODEL, True, installed=[DEFAULT_MODEL]) == DEFAULT_MODEL
    assert model_for(DEFAULT_MODEL, True, installed=[DEFAULT_MODEL, REFERENCE_MODEL]) == REFERENCE_MODEL
