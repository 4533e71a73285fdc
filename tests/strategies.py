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
    return st.fixed_dictionaries(
        {keyword: legal_value(spec) for keyword, spec in processor_class.parameter_keywords().items()}
    )


# Values a caller of the raw core (stemglue._core) or a host could send: the core must clamp them.
NON_FINITE = (float("nan"), float("inf"), float("-inf"))
SPECIAL = (16.0, -1.0, 0.0, 3.0, 0.5, 1e9, -1e9, 1e300, -1e300, 5e-324)


def hostile_value(spec):
    """Any double for a parameter: NaN, +-inf, huge, negative, just out of range, or legal."""
    width = max(spec.max - spec.min, 1.0)
    return st.one_of(
        st.sampled_from(NON_FINITE),
        st.sampled_from(SPECIAL),
        st.floats(spec.min - 100 * width, spec.min, exclude_max=True),
        st.floats(spec.max, spec.max + 100 * width, exclude_min=True),
        st.floats(-1e12, 1e12),
        legal_value(spec),
    )
