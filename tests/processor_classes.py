"""Every processor class, native and reference, from the module list: a new module is tested here
without being named."""

import stemglue
from stemglue import reference
from stemglue._parameters import modules

NATIVE_CLASSES = [getattr(stemglue, info.class_name) for info in modules()] + [stemglue.StemGlue]
REFERENCE_CLASSES = [getattr(reference, info.class_name) for info in modules()] + [reference.StemGlue]
