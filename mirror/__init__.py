"""mirror: keep a git repository's archive in step with news feeds.

The pipeline, one module per stage:

    feeds.yaml -> config -> poll -> (fetch -> extract) -> render -> archive -> git

Read ``models`` first: it holds the typed values passed between the stages,
then ``pipeline``, which runs them; the README's "How it is built" maps the
rest.
"""

__version__ = "0.1.0"
