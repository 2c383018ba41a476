"""Feeds mutated model files to `mlc-translate --import-model`.

Usage: mutate_models.py MLC_TRANSLATE OUT_DIR MODEL.json... [--count N]

Each mutant is a valid model file with one value replaced, removed or
duplicated, or the text cut short or corrupted. The importer must accept or
reject each (exit status 0 or 2, never a crash), and leave no output file
when it rejects one. Seeded, so a failure can be replayed.
"""
import copy
import json
import os
import random
import subprocess
import sys

ODD_VALUES = [None, True, False, 0, -1, 1, 2**62, 2**63, -2**63, 1e308, 0.5, "", "N",
              "x", "same", "a b", [], [0], [-1, 2], [1, 2, 3, 4, 5], {}, {"shape": []},
              {"shape": [2], "dtype": "f32"}, "output", "input", "res_block",
              [[1]], "\u00e9", 3.0]


def paths(value, prefix=()):
    """Every path to a value inside `value`."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths(child, prefix + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from paths(child, prefix + (index,))


def mutate_json(model, rng):
    mutant = copy.deepcopy(model)
    path = rng.choice([p for p in paths(mutant) if p])
    parent = mutant
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    action = rng.random()
    if action < 0.6:
        parent[last] = copy.deepcopy(rng.choice(ODD_VALUES))
    elif action < 0.8:
        del parent[last]
    elif isinstance(parent, list):
        parent.insert(last, copy.deepcopy(parent[last]))
    else:
        parent[last + "_"] = copy.deepcopy(parent[last])
    return json.dumps(mutant)


def mutate_text(text, rng):
    if rng.random() < 0.5:
        return text[:rng.randrange(len(text))]
    i = rng.randrange(len(text))
    return text[:i] + rng.choice('{}[],:"\\0x\u0000') + text[i + 1:]


def main():
    args = sys.argv[1:]
    count = 60
    if "--count" in args:
        i = args.index("--count")
        count = int(args[i + 1])
        del args[i:i + 2]
    tool, out_dir, models = args[0], args[1], args[2:]
    rng = random.Random(1234)
    failures = 0
    for model_path in models:
        with open(model_path) as f:
            text = f.read()
        model = json.loads(text)
        model.pop("weights", None)  # Mutations are about the graph.
        for k in range(count):
            mutant = (mutate_json(model, rng) if k % 4 else
                      mutate_text(text, rng))
            name = "%s.%d" % (os.path.basename(model_path), k)
            source = os.path.join(out_dir, name + ".json")
            output = os.path.join(out_dir, name + ".mlir")
            with open(source, "w") as f:
                f.write(mutant)
            result = subprocess.run([tool, "--import-model", source, "-o", output],
                                    capture_output=True, text=True)
            rejected_cleanly = result.returncode == 2 and not os.path.exists(output)
            accepted = result.returncode == 0 and os.path.exists(output)
            if not (accepted or rejected_cleanly):
                failures += 1
                print("FAIL %s: exit %d\n%s" % (source, result.returncode,
                                                result.stderr[-2000:]))
            elif rejected_cleanly and "error:" not in result.stderr:
                failures += 1
                print("FAIL %s: rejected without a diagnostic" % source)
            else:
                os.remove(source)
                if accepted:
                    os.remove(output)
    print("%d mutants, %d failures" % (count * len(models), failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
