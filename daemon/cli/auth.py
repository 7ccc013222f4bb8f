"""`radiosilence auth`: authorise access to Gmail and Google Calendar, once.

Google's installed-app flow with a local redirect; the out-of-band flow no longer exists.
On a machine without a browser the URL is printed and the port can be forwarded over SSH.
"""

from __future__ import annotations

import logging
from pathlib import Path

from radiosilence.cli.checks import client_file_problems
from radiosilence.config.settings import ConfigError, Settings
from radiosilence.connectors.google.api import SCOPES, save_credentials
from radiosilence.wiring import token_path


def authorise(settings: Settings) -> Path:
    """Run the consent flow and store the authorisation (0600); return where it went."""
    from google_auth_oauthlib.flow import InstalledAppFlow

    secrets = settings.google.client_secrets
    if secrets is None or not secrets.exists():
        raise ConfigError([f"{settings.source_file}: google.client_secrets: set it to the "
                           "OAuth client file downloaded from Google Cloud (see README)"])
    problems = client_file_problems(secrets, settings.source_file or "the config")
    if problems:  # the library's own errors name neither the file nor the remedy
        raise ConfigError(problems)
    # The library's redirect server logs each request line at INFO, and that line carries
    # the authorisation code: a credential, which never goes into our logs.
    logging.getLogger("google_auth_oauthlib").setLevel(logging.WARNING)
    flow = InstalledAppFlow.from_client_secrets_file(str(secrets), list(SCOPES))
    port = settings.google.auth_port
    print(f"Waiting for Google's answer on http://localhost:{port}/ . On a machine without a "
          f"browser, first run on your own computer:\n  ssh -L {port}:localhost:{port} "
          "<this machine>\nthen open the address below there.")
    creds = flow.run_local_server(
        host="localhost", port=port, open_browser=False,
        authorization_prompt_message="Open this address to allow access:\n{url}\n",
        success_message="radiosilence is authorised; you can close this tab.",
    )
    path = token_path(settings)
    save_credentials(creds, path)
    return path
