"""Patterns shared by the detectors (``text``) and the prefilter, which must agree on them exactly."""

from __future__ import annotations

from typing import Final

# A superset of every token family text._API_KEY finds (gitleaks' and detect-secrets' rules): the literal prefixes
# of Stripe, GitHub, Slack, GitLab, Google, OpenAI, Anthropic, SendGrid, npm, PyPI, Shopify, DigitalOcean, Hugging
# Face and Heroku keys, a Mailchimp key's data centre after hex digits ("...a8-us18"), a Twilio key (SK and 32 hex
# digits), a PEM private key header. Written for both Python's re and Hyperscan.
API_KEY_GATE: Final = (
    r"[sr]k_(?:live|test|prod)_|gh[pousr]_|github_pat_|xox[abeoprs][-.]|xapp-|gl(?:pat|dt|ft|rt|cbt|imt|agent|oas|ffct"
    r"|ptt|soat)-|AIza|sk-(?:proj|ant|svcacct|admin)-|SG\.|npm_|pypi-AgEI|shp(?:at|ss|ca|pa)_|do[opr]_v1_|hf_|api_org_"
    r"|HRKU-|[0-9a-f]{8}-us[0-9]|SK[0-9a-fA-F]{32}|PRIVATE KEY"
)
