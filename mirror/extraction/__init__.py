"""An article page's HTML -> the article's body: whether the feed already holds the whole
article (fulltext), the extractors (extract, readable) and the rule that combines them
(combine), the first of several posts (posts), the article's edges (trim)."""
