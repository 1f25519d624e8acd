"""rnnviz: build, train and inspect recurrent neural networks visually.

The package is a pure core (no streamlit import) except for ``rnnviz.ui``, which the pages use.
"""

__version__ = "0.1.0"
