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


class LLMError(RuntimeError):
    """An expected failure talking to the endpoint (gave up, refused, no key): tools print
    its message and exit non-zero instead of a traceback."""


USAGE_FIELDS = ('requests', 'retries', 'prompt_tokens', 'completion_tokens')


def add_usage(*usages: Optional[dict]) -> dict:
    """The sum of usage dicts (missing ones and missing fields count as 0)."""
    total = dict.fromkeys(USAGE_FIELDS, 0)
    for u in usages:
        for k in USAGE_FIELDS:
            total[k] += int((u or {}).get(k, 0) or 0)
    return total


class ChatJSONClient:
    """Chat completions at temperature 0 that must answer with one JSON object.

    Retries with exponential backoff on malformed JSON, 429 (honouring Retry-After),
    5xx, time-outs and connection errors; other 4xx errors stop at once. ``usage`` counts
    every HTTP attempt (``requests``, failed ones included: a 429 or a time-out still costs
    a request against the quota), the ``retries`` among them, and the tokens from the API's
    ``usage`` fields. ``on_usage``, when set, is called with ``usage`` whenever it changes
    (an attempt is counted before it is sent), so a caller can persist it across a kill.

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
        timeout (float): per-request time-out in seconds (an endpoint that accepts and never
            answers costs ``max_attempts`` times this). Defaults to 60.
        sleep (callable): how to wait between attempts (tests pass a recorder).
    """

    def __init__(self, model: str, base_url: Optional[str] = None,
                 api_key: Optional[str] = None, temperature: float = 0.0,
                 max_attempts: int = 6, backoff: float = 1.0, max_backoff: float = 60.0,
                 timeout: float = 60.0, sleep: Callable[[float], None] = time.sleep):
        api_key = api_key or os.environ.get('OPENAI_API_KEY')
        if not api_key:
            if base_url is None:
                raise LLMError('No API key: set OPENAI_API_KEY or pass --api-key (or use '
                               '--base-url for a local OpenAI-compatible server).')
            api_key = 'EMPTY'
        if not timeout or timeout <= 0:
            raise ValueError(f'timeout must be a positive number of seconds, got {timeout!r}')
        self.client = openai.OpenAI(api_key=api_key, base_url=base_url, max_retries=0,
                                    timeout=timeout)
        self.model = model
        self.base_url = base_url
        self.endpoint = base_url or 'https://api.openai.com/v1'
        self.temperature = temperature
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.timeout = timeout
        self.sleep = sleep
        self.usage = dict.fromkeys(USAGE_FIELDS, 0)
        self.on_usage: Optional[Callable[[dict], None]] = None

    def _count(self, **increments) -> None:
        for k, v in increments.items():
            self.usage[k] += v
        if self.on_usage is not None:
            self.on_usage(self.usage)

    def _wait(self, attempt: int, error: Exception) -> None:
        if attempt + 1 >= self.max_attempts:
            return  # nothing follows the last attempt: fail now, not after a backoff
        wait = self.backoff * 2**attempt
        headers = getattr(getattr(error, 'response', None), 'headers', None) or {}
        try:
            wait = max(wait, float(headers.get('retry-after', 0)))
        except (TypeError, ValueError):
            pass
        self._count(retries=1)
        MMLogger.get_current_instance().warning(
            f'LLM request to {self.endpoint} failed ({type(error).__name__}: '
            f'{str(error)[:120]}); retrying in {min(wait, self.max_backoff):.1f}s')
        self.sleep(min(wait, self.max_backoff))

    def ask_json(self, messages: List[dict]) -> dict:
        last = None
        for attempt in range(self.max_attempts):
            self._count(requests=1)
            try:
                resp = self.client.chat.completions.create(
                    model=self.model, messages=messages, temperature=self.temperature)
            except (openai.RateLimitError, openai.InternalServerError,
                    openai.APITimeoutError, openai.APIConnectionError) as e:
                last = e
                self._wait(attempt, e)
                continue
            except openai.APIStatusError as e:
                raise LLMError(f'The LLM endpoint {self.endpoint} refused the request '
                               f'({e.status_code}): {e}') from e
            if resp.usage is not None:
                self._count(prompt_tokens=resp.usage.prompt_tokens or 0,
                            completion_tokens=resp.usage.completion_tokens or 0)
            try:
                return parse_json_object(resp.choices[0].message.content)
            except ValueError as e:  # includes json.JSONDecodeError
                last = e
                self._wait(attempt, e)
        if isinstance(last, openai.APITimeoutError):
            why = f'no answer within the {self.timeout:g} s time-out'
        else:
            why = f'{type(last).__name__}: {str(last)[:200]}'
        raise LLMError(f'The LLM endpoint {self.endpoint} gave no valid JSON answer after '
                       f'{self.max_attempts} attempts (last: {why}).')
