"""Preservation: keep what the source deletes (issue 11). Each part is opt-in in feeds.yaml.

- ``assets``: ``images: keep``, the images of new posts stored in the repository;
- ``kept_pages`` (``warc``): ``keep_pages: true``, each article page fetched, stored;
  ``reextract``: posts rendered again from them (``mirror reextract``);
- ``watch`` (``compare``, ``changes``): ``watch: 7d``, archived articles rechecked for
  edits and deletions, findings in the changes ledger and its page;
- ``wayback``: ``wayback: true``, each new article submitted to Save Page Now.

Nothing here may block, delay for long or fail the archiving of the posts:
each part is bounded in time (``timing``), and its failures are reported, never raised.
"""
