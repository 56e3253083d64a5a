"""The package list, which pyproject.toml cannot express: ``relgraph`` from ``sdk/``, plus
``relgraph.components`` and ``relgraph.pipelines`` from ``components/`` and ``pipelines/``
(pyproject.toml's ``package-dir`` maps them; setuptools' ``find`` cannot discover packages
under a mapped name). Everything else is in pyproject.toml."""

from setuptools import find_packages, setup


def _mapped(folder: str, name: str) -> list[str]:
    """``name`` and its subpackages, found in ``folder``."""
    return [name, *(f"{name}.{sub}" for sub in find_packages(folder))]


setup(
    packages=[
        *find_packages("sdk"),
        *_mapped("components", "relgraph.components"),
        *_mapped("pipelines", "relgraph.pipelines"),
    ]
)
