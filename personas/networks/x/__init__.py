"""X through tweepy, the only package that imports it: API v2 for posts, follows, messages
and media upload, v1.1 for incoming follow requests, OAuth 1.0a user context.

tweepy always addresses https://api.twitter.com (and https://upload.twitter.com); with
`api_base` / `upload_base` set, an adapter on its requests session sends that traffic
elsewhere, e.g. to the loopback front of `persona sandbox serve`. The OAuth signature is
still computed over the canonical URL, as the front expects. Every failure becomes one of
`personas.errors`' types, and before each call the account id in the credentials is
compared with the one verified at login.

- `transport`: the requests adapter that routes tweepy's traffic, and X's rate headers;
- `errors`: tweepy's and the transport's failures as the project's error types;
- `session`: credentials, clients and the one way a request is made (retries, rate hooks);
- `accounts`: accounts, follows, join requests and direct messages;
- `client`: `XNetwork`, posting and reading posts;
- `media`: media uploads through API v2;
- `login`: the PIN-based login and whose credentials these are;
- `convert`: X's objects as the project's.

Nothing is imported here: `personas.networks.connect` imports `client` when a network of
kind "x" is used, and start-up stays free of tweepy.
"""
