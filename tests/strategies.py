"""Hypothesis strategies over the parameter table: any legal plain value of any parameter."""

from hypothesis import strategies as st


def legal_value(spec):
    if spec.kind == "choice":
        return st.sampled_from(spec.choices)
    if spec.kind in ("toggle", "integer"):
        return st.integers(int(spec.min), int(spec.max)).map(float)
    return st.floats(spec.min, spec.max, allow_nan=False)


def legal_settings(processor_class):
    """Constructor keywords of a processor class, each with any legal value."""
    return st.fixed_dictionaries({keyword: legal_value(spec) for keyword, spec in processor_class.parameter_keywords().items()})
