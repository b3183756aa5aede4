"""An article page's HTML -> the article's body: whether the feed already holds the whole
article (fulltext), the extractors (extract) and the rule that combines them (combine)."""
