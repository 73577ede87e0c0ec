"""Answer-key record -> plain template contexts (strings, lists, dicts); templates compute nothing.

Strings meant for the ``math`` filter keep the key's TeX subset; everything else is final
display text. Numbers are shown as the key prints them, with a typographic minus.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from markupsafe import Markup

from ..network import bias_name, neuron_name
from ..numbers import fmt
from .diagram import minus, network_svg

GROUP_TITLES = {
    "forward": "Forward pass",
    "loss": "Loss",
    "backward": "Backward pass",
    "update": "Gradient-descent update",
}
# The worksheet asks the loss right after the forward pass, in the same section.
SECTIONS = (
    (("forward", "loss"), "Forward pass and loss"),
    (("backward",), "Backward pass"),
    (("update",), "Gradient-descent update"),
)
GROUP_INTROS = {
    "forward": "Net input z and activation a of every neuron, layer by layer, then the loss L.",
    "loss": "The loss of this training example.",
    "backward": "Chain rule from the output back to the first hidden layer: deltas, then gradients.",
    "update": "The new value of every weight and bias after one step.",
}
DIRECTION = {"up": "↑ up", "down": "↓ down", "same": "= same"}
_NEG_NUMBER = re.compile(r"(?<![\w)\]}])-(?=\d|\.\d)")
_ASIDE = re.compile(r"^(.*\S) \(([a-z][^()]*)\)$")
_BARE_SUB = re.compile(r"_([A-Za-z0-9])")


def math_minus(text: str) -> str:
    """'(-0.05)·0.25' -> '(−0.05)·0.25': the key's ASCII minus of numbers becomes a real minus."""
    return _NEG_NUMBER.sub("−", text)


def split_top(text: str, sep: str = " = ") -> list[str]:
    """Split at ``sep`` outside braces, so '\\frac{a = b}{c}' stays whole."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        ch = text[i]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif depth == 0 and text.startswith(sep, i):
            parts.append(text[start:i])
            i += len(sep)
            start = i
            continue
        i += 1
    parts.append(text[start:])
    return [p.strip() for p in parts]


def file_stem(variant: dict[str, Any]) -> str:
    """The file name of a variant's PDFs: the student id, else the variant code; safe on any OS."""
    student = variant.get("student") or {}
    raw = str(student.get("id") or "") or str(variant["variant"])
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", raw).strip("._-")[:80]
    if not safe:
        safe = re.sub(r"[^A-Za-z0-9-]+", "_", str(variant["variant"])).strip("_-") or "variant"
    if safe.split(".")[0].upper() in _WINDOWS_RESERVED:
        safe = f"{safe}_{re.sub(r'[^A-Za-z0-9]', '', str(variant['variant']))}".strip("_")
    return safe


_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def unique_stems(variants: list[dict[str, Any]]) -> list[str]:
    """file_stem of each variant, made unique case-insensitively (ids 'a/b' and 'a_b' both sanitize to 'a_b')."""
    seen: set[str] = set()
    out = []
    for v in variants:
        stem = base = file_stem(v)
        if stem.lower() in seen:
            stem = f"{base}_{re.sub(r'[^A-Za-z0-9]', '', str(v['variant']))}"
        n = 2
        while stem.lower() in seen:
            stem = f"{base}_{n}"
            n += 1
        seen.add(stem.lower())
        out.append(stem)
    return out


def _header(key: dict[str, Any], variant: dict[str, Any]) -> dict[str, Any]:
    student = variant.get("student") or {}
    name, sid = str(student.get("name") or ""), str(student.get("id") or "")
    return {
        "pack": key["pack"],
        "title": key["title"],
        "course": key.get("course") or "",
        "variant": variant["variant"],
        "student_name": name,
        "student_id": sid,
        "who": " · ".join(s for s in (name, sid) if s),
        "decimals": key["decimals"],
    }


def _conventions(problem: dict[str, Any]) -> dict[str, Any]:
    """Short conventions share one line; the loss and the update rule get a line each (math)."""
    d = problem["description"]
    return {
        "short": [
            {"label": "Network", "text": d["architecture"]},
            {"label": "Activation", "text": d["activation"]},
            {"label": "Biases", "text": d["bias"]},
        ],
        "long": [
            {"label": "Loss", "text": _braced(d["loss"])},
            {"label": "Update", "text": _braced(d["update"])},
        ],
    }


_DEEP_NAME = re.compile(r"\b([xho]\d+)_(\d+)\b")


def _words(label: str) -> str:
    """'net input of h1_2' -> 'net input of h1,2', the name printed in the diagram."""
    return _DEEP_NAME.sub(r"\1,\2", label)


def _braced(text: str) -> str:
    """'a_o' -> 'a_{o}': the descriptions use bare one-letter subscripts."""
    return _BARE_SUB.sub(r"_{\1}", text)


def given_tables(problem: dict[str, Any]) -> dict[str, Any]:
    """Inputs/targets/η as one line of items and one weight table per layer (rows: to, columns: from)."""
    net = problem["network"]
    layers = tuple(net["layers"])
    given = {g["id"]: g for g in problem["given"]}

    def val(gid: str) -> str:
        return minus(given[gid]["value"]) if gid in given else "?"

    items = [{"symbol": given[g]["symbol"], "value": val(g)} for g in given if given[g]["kind"] in ("x", "y", "eta")]
    tables = []
    for l in range(1, len(layers)):
        sources = [neuron_name(layers, l - 1, i + 1) for i in range(layers[l - 1])]
        header = [_name_tex(s) for s in sources]
        per_neuron = net["bias"] == "per_neuron"
        rows = []
        for j in range(layers[l]):
            to = neuron_name(layers, l, j + 1)
            cells = [val(f"w_{s}_{to}") for s in sources]
            rows.append({
                "name": _name_tex(to),
                "cells": cells,
                "bias": val(bias_name(layers, l, j + 1)) if per_neuron else "",
            })  # fmt: skip
        shared = ""
        if net["bias"] == "shared":
            bid = bias_name(layers, l, None)
            shared = f"{given[bid]['symbol']} = {val(bid)}" if bid in given else ""
        tables.append({
            "caption": f"Layer {l}: weights into {_layer_word(layers, l)}",
            "header": header,
            "rows": rows,
            "bias_column": per_neuron,
            "span": len(header) + 1,
            "shared_bias": shared,
        })  # fmt: skip
    return {"items": items, "tables": tables}


def _layer_word(layers: tuple[int, ...], l: int) -> str:
    if l == len(layers) - 1:
        return "the outputs"
    return "the hidden layer" if len(layers) == 3 else f"hidden layer {l}"


def _name_tex(name: str) -> str:
    """h2_1 -> h_{2,1} for the math filter."""
    return f"{name[0]}_{{{name[1:].replace('_', ',')}}}"


def _field_name(problem: dict[str, Any], answer_id: str) -> str:
    return answer_id if problem["number"] == 1 else f"p{problem['number']}_{answer_id}"


def worksheet_context(key: dict[str, Any], variant: dict[str, Any]) -> dict[str, Any]:
    d = key["decimals"]
    problems = []
    for p in variant["problems"]:
        sections = []
        for groups, title in SECTIONS:
            answers = [a for a in p["answers"] if a["group"] in groups]
            if not answers:
                continue
            items = [
                {"id": a["id"], "field": _field_name(p, a["id"]), "symbol": a["symbol"], "label": _words(a["label"])}
                for a in answers
            ]
            rows = [
                {"items": items[i : i + 3], "tall": any("\\frac" in q["symbol"] for q in items[i : i + 3])}
                for i in range(0, len(items), 3)
            ]
            sections.append({"title": title, "intro": GROUP_INTROS[groups[0]], "rows": rows, "count": len(items)})
        n = len(p["answers"])
        problems.append({
            "number": p["number"],
            "conventions": _conventions(p),
            "diagram": Markup(network_svg(p)),
            "given": given_tables(p),
            "sections": sections,
            "count": n,
            "density": "roomy" if n <= 30 else "normal" if n <= 60 else "compact",
        })  # fmt: skip
    example_exact = "0.123456" if d < 6 else "0.1234567891"
    return {
        **_header(key, variant),
        "doc_title": f"{key['title']}: worksheet {variant['variant']}",
        "example_exact": example_exact,
        "example_rounded": fmt(example_exact, d),
        "problems": problems,
        "multi": len(problems) > 1,
    }


def _step(step: dict[str, Any]) -> dict[str, Any]:
    formula = step["formula"]
    aside = ""
    m = _ASIDE.match(formula)
    if m and " = " in m.group(1):
        formula, aside = m.group(1), m.group(2)
    head = split_top(formula)
    subs = [math_minus(s) for s in split_top(step["substituted"])]
    if subs and subs[-1] == step["result"]:
        subs = subs[:-1]  # '0.0902 = 0.0902' says nothing twice
    lines = [head[1:]] + ([subs] if subs else [])
    return {
        "id": step["id"],
        "asked": bool(step["asked"]),
        "lhs": head[0],
        "lines": lines,
        "result": minus(step["result"]),
        "shown": minus(step.get("shown", "")),
        "aside": f"{aside[0].upper()}{aside[1:]}." if aside else "",
        "note": math_minus(step.get("note", "")),
    }


def _accepted(a: dict[str, Any]) -> str:
    acc = a["accepted"]
    if acc["from"] == acc["to"] == a["rounded"]:
        return ""
    return f"{minus(acc['from'])} to {minus(acc['to'])}"


def key_context(key: dict[str, Any], variant: dict[str, Any]) -> dict[str, Any]:
    problems = []
    for p in variant["problems"]:
        answers = [
            {
                "id": a["id"],
                "symbol": a["symbol"],
                "value": minus(a["rounded"]),
                "accepted": _accepted(a),
            }
            for a in p["answers"]
        ]
        # three answers per row; two when long ids (deep networks) need the room
        per_row = 3 if max(len(a["id"]) for a in answers) <= 13 else 2
        height = (len(answers) + per_row - 1) // per_row
        if height <= 20:  # fits beside the diagram on page 1: read down the columns
            rows = [answers[i::height] for i in range(height)]
        else:  # runs over pages: read along the rows, so a page holds consecutive answers
            rows = [answers[i : i + per_row] for i in range(0, len(answers), per_row)]
        groups = []
        for group, title in GROUP_TITLES.items():
            steps = [_step(s) for s in p["steps"] if s["group"] == group]
            if steps:
                groups.append({"title": title, "steps": steps})
        updates = [
            {
                "symbol": u["symbol"],
                "old": minus(u["old"]),
                "gradient": minus(u["gradient"]),
                "step": minus(u["step"]),
                "new": minus(u["new"]),
                "direction": DIRECTION[u["direction"]],
            }
            for u in p["updates"]
        ]
        problems.append({
            "number": p["number"],
            "conventions": _conventions(p),
            "diagram": Markup(network_svg(p)),
            "answer_rows": rows,
            "per_row": per_row,
            "any_range": any(a["accepted"] for a in answers),
            "groups": groups,
            "updates": updates,
            "eta": next((minus(g["value"]) for g in p["given"] if g["kind"] == "eta"), ""),
        })  # fmt: skip
    return {
        **_header(key, variant),
        "doc_title": f"{key['title']}: answer key {variant['variant']}",
        "tolerance": key.get("tolerance", {}).get("description", ""),
        "created": _date(key.get("created", "")),
        "problems": problems,
        "multi": len(problems) > 1,
    }


def _date(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).strftime("%Y-%m-%d")
    except ValueError:
        return ""
