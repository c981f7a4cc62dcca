"""A JSON-answering chat client for any OpenAI-compatible endpoint (openai SDK)."""
import json
import os
import re
import time
from typing import Callable, List, Optional

import openai
from mmengine.logging import MMLogger

_FENCE = re.compile(r'^```(?:json)?\s*|\s*```$', re.S)


def parse_json_object(text: Optional[str]) -> dict:
    """The JSON object in a model's answer (tolerates code fences and chatter around it)."""
    if not text:
        raise ValueError('empty answer')
    body = _FENCE.sub('', text.strip())
    start, end = body.find('{'), body.rfind('}')
    if start < 0 or end <= start:
        raise ValueError(f'no JSON object in answer: {text[:120]!r}')
    obj = json.loads(body[start:end + 1])
    if not isinstance(obj, dict):
        raise ValueError('answer is not a JSON object')
    return obj


class ChatJSONClient:
    """Chat completions at temperature 0 that must answer with one JSON object.

    Retries with exponential backoff on malformed JSON, 429 (honouring Retry-After),
    5xx, time-outs and connection errors; other 4xx errors stop at once. Token usage is
    summed from the API's ``usage`` fields.

    Args:
        model (str): model name at the endpoint.
        base_url (str, optional): OpenAI-compatible endpoint, e.g.
            ``http://localhost:8000/v1``; None = OpenAI.
        api_key (str, optional): key; defaults to ``$OPENAI_API_KEY``. Local endpoints
            without auth may leave both unset.
        temperature (float): sampling temperature. Defaults to 0.
        max_attempts (int): tries per request. Defaults to 6.
        backoff (float): first wait in seconds, doubled each retry. Defaults to 1.
        max_backoff (float): cap on a single wait. Defaults to 60.
        timeout (float): per-request time-out in seconds. Defaults to 120.
    """

    def __init__(self, model: str, base_url: Optional[str] = None,
                 api_key: Optional[str] = None, temperature: float = 0.0,
                 max_attempts: int = 6, backoff: float = 1.0, max_backoff: float = 60.0,
                 timeout: float = 120.0, sleep: Callable[[float], None] = time.sleep):
        api_key = api_key or os.environ.get('OPENAI_API_KEY')
        if not api_key:
            if base_url is None:
                raise ValueError('No API key: set OPENAI_API_KEY or pass --api-key (or use '
                                 '--base-url for a local OpenAI-compatible server).')
            api_key = 'EMPTY'
        self.client = openai.OpenAI(api_key=api_key, base_url=base_url, max_retries=0,
                                    timeout=timeout)
        self.model = model
        self.base_url = base_url
        self.temperature = temperature
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.sleep = sleep
        self.usage = dict(requests=0, retries=0, prompt_tokens=0, completion_tokens=0)

    def _wait(self, attempt: int, error: Exception) -> None:
        wait = self.backoff * 2**attempt
        headers = getattr(getattr(error, 'response', None), 'headers', None) or {}
        try:
            wait = max(wait, float(headers.get('retry-after', 0)))
        except (TypeError, ValueError):
            pass
        self.usage['retries'] += 1
        MMLogger.get_current_instance().warning(
            f'LLM request failed ({type(error).__name__}: {str(error)[:120]}); retrying in '
            f'{min(wait, self.max_backoff):.1f}s')
        self.sleep(min(wait, self.max_backoff))

    def ask_json(self, messages: List[dict]) -> dict:
        last = None
        for attempt in range(self.max_attempts):
            try:
                resp = self.client.chat.completions.create(
                    model=self.model, messages=messages, temperature=self.temperature)
            except (openai.RateLimitError, openai.InternalServerError,
                    openai.APITimeoutError, openai.APIConnectionError) as e:
                last = e
                self._wait(attempt, e)
                continue
            except openai.APIStatusError as e:
                raise RuntimeError(f'The LLM endpoint {self.base_url or "api.openai.com"} '
                                   f'refused the request ({e.status_code}): {e}') from e
            self.usage['requests'] += 1
            if resp.usage is not None:
                self.usage['prompt_tokens'] += resp.usage.prompt_tokens or 0
                self.usage['completion_tokens'] += resp.usage.completion_tokens or 0
            try:
                return parse_json_object(resp.choices[0].message.content)
            except ValueError as e:  # includes json.JSONDecodeError
                last = e
                self._wait(attempt, e)
        raise RuntimeError(f'No valid JSON answer after {self.max_attempts} attempts: {last}')
