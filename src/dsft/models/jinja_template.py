"""A dsft chat template as the Jinja `chat_template` that tokenizers save and serving stacks read.

`jinja_chat_template(template)` renders, through `tokenizer.apply_chat_template`, exactly the text
`ChatTemplate.render` trains on (`add_generation_prompt=False`) and `ChatTemplate.prompt` prompts
with (`add_generation_prompt=True`), so transformers, vLLM, TGI or llama.cpp prompt a fine-tuned
model in the format it learnt. Messages are HF-style dicts; an assistant's chain of thought is
`reasoning_content` (the key Qwen3's and DeepSeek's templates read) or `reasoning`. Like
`render`, it refuses roles other than system, user and assistant, and reasoning for a template
without a think block. Thinking templates take the
`thinking` keyword (`apply_chat_template(..., thinking=True)`): V3.1 opens its think block
instead of closing it, R1 leaves its forced <think>\\n open (its default) or, with
`thinking=False`, answers after an empty think block.
"""

from __future__ import annotations

import json

from dsft.models.chat_templates import ChatTemplate

_TEMPLATE = """\
{#- dsft chat template "%(name)s": renders what dsft trains on (dsft.models.chat_templates). -#}
{%%- set bos = %(bos)s -%%}
{%%- set eos = %(eos)s -%%}
{%%- set ns = namespace(final=-1, system=false) -%%}
{%%- for message in messages -%%}
  {%%- if message['role'] == 'assistant' -%%}{%%- set ns.final = loop.index0 -%%}{%%- endif -%%}
  {%%- if message['role'] == 'system' -%%}{%%- set ns.system = true -%%}{%%- endif -%%}
{%%- endfor -%%}
{#- A generation prompt makes every assistant turn history: its reasoning is dropped. -#}
{%%- if add_generation_prompt -%%}{%%- set ns.final = -1 -%%}{%%- endif -%%}
{{- bos -}}
{%%- if not ns.system -%%}{{- %(default_system)s -}}{%%- endif -%%}
{%%- for message in messages -%%}
  {%%- set content = message['content'] if message['content'] is string else '' -%%}
  {%%- if message['content'] is defined and message['content'] is not none
        and message['content'] is not string -%%}
    {{- raise_exception('dsft chat template: message content must be text') -}}
  {%%- endif -%%}
  {%%- if message['role'] == 'system' -%%}
    {{- %(system_prefix)s + content + %(system_suffix)s -}}
  {%%- elif message['role'] == 'user' -%%}
    {{- %(user_prefix)s + content + %(user_suffix)s -}}
  {%%- elif message['role'] == 'assistant' -%%}
    {%%- set final = loop.index0 == ns.final -%%}
    {%%- set thought = message.get('reasoning_content') or message.get('reasoning') or '' -%%}
    {%%- set reasoning = thought if final else '' -%%}
%(assistant)s
    {{- content + eos + %(answer_suffix)s -}}
  {%%- else -%%}
    {{- raise_exception('dsft chat template: unknown role ' + message['role']) -}}
  {%%- endif -%%}
{%%- endfor -%%}
{%%- if add_generation_prompt -%%}
%(generation)s
{%%- endif -%%}
"""

# How each thinking style opens an assistant turn (before its content) and a generation prompt.
_ASSISTANT = {
    "none": (
        "    {%%- if thought -%%}{{- raise_exception('dsft chat template: this template has no "
        "think block for reasoning') -}}{%%- endif -%%}{{- %(assistant_prefix)s -}}"
    ),
    "v3_1": (
        "    {%%- if reasoning -%%}"
        "{{- '<think>' + %(assistant_prefix)s + reasoning + '</think>' -}}"
        "{%%- else -%%}{{- '</think>' + %(assistant_prefix)s -}}{%%- endif -%%}"
    ),
    "r1": (
        "    {%%- if final -%%}{{- '<think>\\n' + %(assistant_prefix)s -}}"
        "{%%- if reasoning -%%}{{- reasoning + '\\n' -}}{%%- endif -%%}{{- '</think>\\n\\n' -}}"
        "{%%- else -%%}{{- %(assistant_prefix)s -}}{%%- endif -%%}"
    ),
}
_GENERATION = {
    "none": "",
    "v3_1": (
        "  {%- if thinking is defined and thinking -%}{{- '<think>' -}}"
        "{%- else -%}{{- '</think>' -}}{%- endif -%}"
    ),
    "r1": (
        "  {{- '<think>\\n' -}}"
        "{%- if thinking is defined and thinking is not none and not thinking -%}"
        "{{- '</think>\\n\\n' -}}{%- endif -%}"
    ),
}


def jinja_chat_template(template: ChatTemplate) -> str:
    """The Jinja chat template that renders `template` as dsft trains and prompts it."""
    fields = {
        key: _literal(getattr(template, key))
        for key in (
            "bos",
            "eos",
            "system_prefix",
            "system_suffix",
            "user_prefix",
            "user_suffix",
            "assistant_prefix",
            "answer_suffix",
        )
    }
    fields["default_system"] = _literal(template.default_system or "")
    fields["name"] = template.name
    fields["assistant"] = _ASSISTANT[template.thinking] % fields
    fields["generation"] = _GENERATION[template.thinking]
    return _TEMPLATE % fields


def _literal(text: str) -> str:
    """A Jinja string literal for `text` (JSON's escapes are Jinja's)."""
    return json.dumps(text, ensure_ascii=False)
