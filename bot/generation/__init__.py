"""Optional LLM answers with checked citations, personal-data redaction and policy."""

from bot.generation.llm import LLMGenerator, LLMSettingsError, validate_llm_settings
from bot.generation.policy import producer_line

__all__ = ["LLMGenerator", "LLMSettingsError", "producer_line", "validate_llm_settings"]
