import json, subprocess, sys, yaml, gzip, base64, re
COMMITS = {'traceloop/openllmetry': ('/work/.mirror/traceloop+openllmetry/repo', '93429cfb9767e6b51db6cb35f6b70f758117669a'),
           'crewAIInc/crewAI': ('/work/.mirror/crewAIInc+crewAI/repo', 'f4731f5025f861c78e3af0487cc80bf5e7c64782')}
files = {}
for ds in ['max-tokens-truncation', 'provider-error-bodies']:
    for l in open(f'/work/main/bench/quality/datasets/{ds}/items.jsonl'):
        r = json.loads(l)
        if not str(r.get('model', '')).startswith(('gpt', 'o1', 'o3', 'o4', 'chatgpt')): continue
        repo, rest = r['id'].split(':', 1)
        if repo in COMMITS: files.setdefault((repo, rest.split('#')[0]), set()).add(r['id'])
def body_of(x):
    b = x.get('body') if isinstance(x, dict) else x
    if isinstance(b, dict): b = b.get('string', b)
    if isinstance(b, bytes):
        try: b = gzip.decompress(b)
        except Exception: pass
        b = b.decode('utf8', 'replace')
    if isinstance(b, str):
        try: return json.loads(b)
        except Exception: return None
    return b if isinstance(b, dict) else None
out = []
for (repo, path), ids in sorted(files.items()):
    d, c = COMMITS[repo]
    try: text = subprocess.run(['git', '-C', d, 'show', f'{c}:{path}'], capture_output=True, check=True).stdout
    except Exception: continue
    try: doc = yaml.load(text, Loader=yaml.CSafeLoader if hasattr(yaml, 'CSafeLoader') else yaml.SafeLoader)
    except Exception as e: print('yaml', path, e, file=sys.stderr); continue
    for i, it in enumerate((doc or {}).get('interactions', [])):
        req = body_of(it.get('request', {})); res = body_of(it.get('response', {}))
        if not req or not res or 'usage' not in res or 'choices' not in res: continue
        u = res['usage'] or {}
        ch = res['choices'][0] if res['choices'] else {}
        msg = ch.get('message') or {}
        answer = msg.get('content') if 'message' in ch else ch.get('text')
        if not isinstance(answer, str) or msg.get('tool_calls') or msg.get('function_call'): continue
        # prompt: only plain text messages, no tools/functions/response_format in the request (they add tokens we do not see)
        msgs = req.get('messages'); prompt = req.get('prompt')
        plain = isinstance(msgs, list) and all(isinstance(m.get('content'), str) and not m.get('tool_calls') and m.get('role') != 'tool' for m in msgs)
        extra = any(k in req for k in ('tools', 'functions', 'response_format'))
        out.append({'source': f'{repo}@{c[:12]}:{path}#interactions[{i}]', 'model': res.get('model') or req.get('model'),
                    'messages': msgs if plain and not extra else None, 'prompt': prompt if isinstance(prompt, str) else None,
                    'answer': answer, 'prompt_tokens': u.get('prompt_tokens'), 'completion_tokens': u.get('completion_tokens'),
                    'reasoning': ((u.get('completion_tokens_details') or {}).get('reasoning_tokens') or 0)})
seen = set(); uniq = []
for o in out:
    k = (o['answer'], json.dumps(o['messages']))
    if k in seen: continue
    seen.add(k); uniq.append(o)
with open(sys.argv[1] if len(sys.argv) > 1 else 'openai-usage.jsonl', 'w') as f:
    for o in uniq: f.write(json.dumps(o, ensure_ascii=False) + '\n')
print(len(files), 'files', len(out), 'interactions', len(uniq), 'unique', sum(1 for o in uniq if o['messages']), 'with plain prompts')
