"""Getting bytes from the network and reading them: the HTTP client and its limits,
charsets, feeds (poll) and article pages. Nothing here decides what to archive."""
