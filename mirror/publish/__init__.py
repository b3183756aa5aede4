"""An Article -> a Post safe to publish: sanitising (clean), images (images), the post
format's front matter and body (render)."""
