"""Build impactlib; the tagger's hot modules are also compiled with Cython when possible.

The modules listed in ``impactlib/nlp/_compiled.py`` stay plain Python: their ``.py``
files are the source of truth, and Cython compiles them unchanged (no type
declarations, Python semantics: the same results, tested) into extension modules
that make ``impactlib tag`` about 10% faster.  Without Cython or a C compiler the
build goes on without them.  A compiled module older than its ``.py`` (edited or
pulled since the build) is not used: ``impactlib.nlp`` then imports the source.
"""

import os
import sys
from pathlib import Path

from setuptools import setup

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "impactlib" / "nlp"))
from _compiled import COMPILED_MODULES  # noqa: E402  (a plain list; imports nothing of impactlib)

sys.path.pop(0)


def ext_modules():
    try:
        from Cython.Build import cythonize
        from setuptools import Extension

        extensions = [Extension(f"impactlib.nlp.{name}", [f"impactlib/nlp/{name}.py"], optional=True)
                      for name in COMPILED_MODULES]
        return cythonize(extensions, quiet=True, compiler_directives={
            "language_level": "3", "binding": True, "annotation_typing": False})
    except Exception as exc:  # noqa: BLE001 - any failure: the pure-Python package still works
        print(f"impactlib: not compiling the tagger modules ({type(exc).__name__}: {exc}); "
              "impactlib works the same, about 10% slower", file=sys.stderr)
        return []


setup(ext_modules=ext_modules(), options={"build_ext": {"parallel": os.cpu_count() or 1}})
