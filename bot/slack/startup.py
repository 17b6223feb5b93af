"""Start-up checks: the Slack settings are present and the bot token works."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.settings import Settings

logger = logging.getLogger(__name__)


class SlackSetupError(RuntimeError):
    """A Slack setting is missing or rejected; the message names the setting to fix."""


@dataclass(frozen=True)
class BotIdentity:
    """Who the bot is in the workspace, from ``auth.test``."""

    user_id: str
    bot_id: str | None
    team_id: str | None


def bot_token(settings: Settings) -> str:
    if settings.slack_bot_token is None or not settings.slack_bot_token.get_secret_value():
        raise SlackSetupError(
            "MPSBOT_SLACK_BOT_TOKEN is missing; set it to the Bot User OAuth Token (xoxb-…) "
            "from the app's OAuth & Permissions page"
        )
    return settings.slack_bot_token.get_secret_value()


def check_transport_settings(settings: Settings) -> None:
    """Check the app token (Socket Mode) or the signing secret (HTTP mode)."""
    if settings.slack_app_token is not None:
        if not settings.slack_app_token.get_secret_value().startswith("xapp-"):
            raise SlackSetupError(
                "MPSBOT_SLACK_APP_TOKEN is not an app-level token; it must start with xapp- "
                "(Basic Information → App-Level Tokens, scope connections:write)"
            )
        return
    secret = settings.slack_signing_secret
    if secret is None or not secret.get_secret_value():
        raise SlackSetupError(
            "MPSBOT_SLACK_SIGNING_SECRET is missing; HTTP mode needs it to verify requests "
            "(Basic Information → Signing Secret), or set MPSBOT_SLACK_APP_TOKEN for Socket Mode"
        )


def authenticate(client: WebClient, api_url: str) -> BotIdentity:
    """Call ``auth.test`` and return the bot's identity; raises SlackSetupError."""
    try:
        response = client.auth_test()
    except SlackApiError as error:
        code = error.response.get("error", "unknown_error")
        raise SlackSetupError(
            f"MPSBOT_SLACK_BOT_TOKEN was rejected by Slack ({code}); copy the current "
            "Bot User OAuth Token from the app's OAuth & Permissions page"
        ) from error
    except (URLError, OSError) as error:
        raise SlackSetupError(
            f"Slack Web API at {api_url} is unreachable ({error}); check the network "
            "and MPSBOT_SLACK_API_URL"
        ) from error
    user_id = response.get("user_id")
    if not isinstance(user_id, str):
        raise SlackSetupError(f"auth.test at {api_url} returned no user_id; is it the Slack API?")
    logger.info("authenticated as bot user %s in team %s", user_id, response.get("team_id"))
    return BotIdentity(user_id, response.get("bot_id"), response.get("team_id"))
