"""The class cue's LLM source (tools/cue/build_class_cues.py) against a real HTTP
chat-completions server on 127.0.0.1."""
import json
import os
import os.path as osp
import runpy
import subprocess
import sys
import time

import pytest
import torch

from cue_plugin.cues import load_class_cue
from cue_plugin.apis.llm_class_cue import build_llm_neighbours
from cue_plugin.llm import ChatJSONClient, LLMError, parse_json_object
from llm_server import FakeLLM, SilentServer

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CLASSES = [f'class {i}' for i in range(23)] + ['missile', 'missile']


def _write_classes(tmp_path):
    path = tmp_path / 'classes.txt'
    path.write_text('\n'.join(CLASSES))
    return str(path)


def _expected(classes):
    # The fake model's answer: the next two names of the list, resolved to every index.
    names = list(dict.fromkeys(classes))
    out = {}
    for i, c in enumerate(classes):
        j = names.index(c)
        nb = [names[(j + 1) % len(names)], names[(j + 2) % len(names)]]
        out[i] = [k for n in nb for k, cc in enumerate(classes) if cc == n and cc != c]
    return out


def test_parse_json_object():
    assert parse_json_object('```json\n{"a": ["b"]}\n```') == {'a': ['b']}
    assert parse_json_object('Here: {"a": []} done') == {'a': []}
    with pytest.raises(ValueError):
        parse_json_object('apple, pear')


def test_faults_are_retried_and_filtered():
    with FakeLLM(faults=['malformed', '429', '500', 'outside']) as llm:
        client = ChatJSONClient('fake', base_url=llm.url, backoff=0.0)
        nb, stats = build_llm_neighbours(CLASSES, client, batch_size=10, progress=False)
    assert len(llm.requests) == 3 + 3  # three failed tries of batch 0, then one per batch
    # Every HTTP attempt is a request (a 429 or a 500 still counts against the quota).
    assert client.usage['requests'] == len(llm.requests) and client.usage['retries'] == 3
    assert stats['usage'] == stats['usage_this_run'] == client.usage
    assert stats['dropped_keys'] == 1 and stats['dropped_neighbours'] == 2
    assert nb == _expected(CLASSES)  # the outside names and the self-reference are gone
    assert client.usage['prompt_tokens'] > 0


def test_duplicate_names_stay_separate_classes():
    with FakeLLM() as llm:
        client = ChatJSONClient('fake', base_url=llm.url, backoff=0.0)
        nb, _ = build_llm_neighbours(CLASSES, client, batch_size=10, progress=False)
    assert nb[23] == nb[24] == [0, 1]  # both 'missile's, by index
    assert 23 in nb[21] and 24 in nb[21]


def test_shortlist_sends_fewer_names():
    torch.manual_seed(0)
    feats = torch.randn(len(CLASSES), 8)
    with FakeLLM() as llm:
        client = ChatJSONClient('fake', base_url=llm.url, backoff=0.0)
        build_llm_neighbours(CLASSES, client, batch_size=5, shortlist_size=3,
                             text_features=feats, progress=False)
        full = ChatJSONClient('fake', base_url=llm.url, backoff=0.0)
        build_llm_neighbours(CLASSES, full, batch_size=5, progress=False)
    assert client.usage['prompt_tokens'] < full.usage['prompt_tokens']


def test_client_gives_up_and_refuses_4xx():
    with FakeLLM(faults=['malformed'] * 5) as llm:
        client = ChatJSONClient('fake', base_url=llm.url, backoff=0.0, max_attempts=2)
        with pytest.raises(LLMError, match=f'{llm.url} gave no valid JSON answer after 2 '
                           'attempts'):
            client.ask_json([dict(role='user', content='Class list: ["a"]\n\nFor each of '
                                  'these classes: ["a"]\n')])
        bad = ChatJSONClient('fake', base_url=llm.url.replace('/v1', '/nope'), backoff=0.0)
        with pytest.raises(RuntimeError, match='refused the request \\(404\\)'):
            bad.ask_json([dict(role='user', content='x')])


def _tool(tmp_path, url, out, **kw):
    return [sys.executable, 'tools/cue/build_class_cues.py', '--classes',
            _write_classes(tmp_path), '--out', out, '--model', 'fake', '--base-url', url,
            '--batch-size', '5', '--backoff', '0']


def test_tool_kill_and_resume(tmp_path):
    out = str(tmp_path / 'cues.json')
    env = dict(os.environ, OPENAI_API_KEY='test-key')
    procs = []

    def kill_after_three(n):
        if n == 3:
            time.sleep(0.5)  # let the third answer land before the kill
        if n >= 4 and procs:
            procs[0].kill()

    with FakeLLM(on_request=kill_after_three) as llm:
        p = subprocess.Popen(_tool(tmp_path, llm.url, out), cwd=REPO, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        procs.append(p)
        p.wait(timeout=300)
        assert p.returncode != 0 and not osp.exists(out)
        done = sorted(f for f in os.listdir(out + '.cache') if f.startswith('batch_'))
        assert len(done) >= 3
        first = list(llm.requests)
    with FakeLLM() as llm:
        res = subprocess.run(_tool(tmp_path, llm.url, out), cwd=REPO, env=env,
                             capture_output=True, text=True, timeout=300)
        assert res.returncode == 0, res.stdout + res.stderr
        again = list(llm.requests)
    # Finished batches were not asked again; the rest were, once each.
    assert not set(again) & {first[i] for i in range(len(done))}
    assert len(again) == 5 - len(done)
    assert f'({len(done)} batches from the cache)' in res.stdout
    assert 'tokens' in res.stdout and '25 classes' in res.stdout
    # The usage line adds the killed run's requests (persisted as they were sent).
    total = len(first) + len(again)
    assert f'LLM usage: {total} requests over all runs ({len(again)} in this one)' \
        in res.stdout, res.stdout
    nb = load_class_cue(out, CLASSES)
    assert nb == _expected(CLASSES)
    meta = json.load(open(out))['source']
    assert meta['kind'] == 'llm' and meta['batch_size'] == 5
    assert meta['usage']['requests'] == total


def test_usage_is_kept_across_a_resume(tmp_path):
    cache, classes = str(tmp_path / 'cache'), CLASSES[:20]
    with FakeLLM(faults=['ok', '429', '500']) as llm:
        # Batch 0 is answered, batch 1 gives up after a 429 and a 500.
        first = ChatJSONClient('fake', base_url=llm.url, backoff=0.0, max_attempts=2)
        with pytest.raises(LLMError):
            build_llm_neighbours(classes, first, batch_size=5, cache_dir=cache,
                                 progress=False)
        again = ChatJSONClient('fake', base_url=llm.url, backoff=0.0)
        _, stats = build_llm_neighbours(classes, again, batch_size=5, cache_dir=cache,
                                        progress=False)
        served = len(llm.requests)
    assert stats['cached_batches'] == 1
    assert stats['usage_this_run'] == again.usage and again.usage['requests'] == 3
    assert stats['usage']['requests'] == served == 3 + 3
    assert stats['usage']['retries'] == 1
    tokens = first.usage['prompt_tokens'] + again.usage['prompt_tokens']
    assert stats['usage']['prompt_tokens'] == tokens > again.usage['prompt_tokens']
    assert json.load(open(osp.join(cache, 'usage.json')))['usage'] == stats['usage']


def test_silent_endpoint_times_out_without_a_last_sleep():
    waits = []
    with SilentServer() as server:
        client = ChatJSONClient('fake', base_url=server.url, backoff=0.0, max_attempts=2,
                                timeout=0.2, sleep=waits.append)
        with pytest.raises(LLMError, match=f'{server.url} gave no valid JSON answer after '
                           '2 attempts .*no answer within the 0.2 s time-out'):
            client.ask_json([dict(role='user', content='x')])
    assert len(waits) == 1  # between the attempts, none after the last
    assert client.usage['requests'] == 2 and client.usage['retries'] == 1


def test_tool_timeout_fails_in_one_line(tmp_path, monkeypatch, capsys):
    # In-process (the tool's main under runpy): a subprocess would spend seconds on imports.
    out = str(tmp_path / 'cues.json')
    monkeypatch.setenv('OPENAI_API_KEY', 'test-key')
    with SilentServer() as server:
        monkeypatch.setattr(sys, 'argv', _tool(tmp_path, server.url, out)[1:] + [
            '--timeout', '0.2', '--max-attempts', '2'])
        with pytest.raises(SystemExit) as exc:
            runpy.run_path(osp.join(REPO, 'tools/cue/build_class_cues.py'), run_name='__main__')
    assert exc.value.code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(
        f'build_class_cues: The LLM endpoint {server.url} gave no valid JSON answer'), err
    assert 'no answer within the 0.2 s time-out' in err[0]
    assert not osp.exists(out)
