from .client import ChatJSONClient, LLMError, add_usage, parse_json_object

__all__ = ['ChatJSONClient', 'LLMError', 'add_usage', 'parse_json_object']
