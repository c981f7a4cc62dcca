from .client import ChatJSONClient, parse_json_object

__all__ = ['ChatJSONClient', 'parse_json_object']
