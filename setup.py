"""The compiled counting core, `wordcount.counting._core`, built when a C compiler and Python's headers
are at hand; `optional=True` lets the install go on without it (then the pure Python counts).
Everything else about the package is in pyproject.toml."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("wordcount.counting._core", ["wordcount/counting/_core.c"], optional=True, extra_compile_args=["-O2"])])
