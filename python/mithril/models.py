"""Composable logical models: `Model` and one class per catalog op.

    res_block = Model()
    res_block |= Conv2d(64, 64)(output="conv1")
    res_block += BatchNorm2d(64)(input="conv1", output="bn1")
    ...
    model = Model()
    model |= Conv2d(3, 64)
    model += res_block

`model |= block` adds `block`, connecting only what is named; `model +=
block` also chains: the block's first input takes the previous block's
first output. Calling a block with ports (`Conv2d(64, 64)(output="conv1")`)
names its connections; a key that nothing produces becomes an input of the
model. A model used twice is two instances with their own parameters.
`to_json()` writes the model file of spec/model-format.md; `from_json()`
reads one.
"""
import json
import os
import re
import sys

from . import catalog, shapes as shape_rules
from .errors import MithrilError

__all__ = ["Model", "Operator"] + list(catalog.CATALOG)

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DTYPES = ("f32", "f16", "bf16", "f64", "i64", "i32", "i8", "u8", "bool")


class Connection:
    """A block with named connections: what `block(port=key, ...)` gives."""

    def __init__(self, block, connections):
        self.block = block
        self.connections = connections

    def __call__(self, **connections):
        merged = dict(self.connections)
        merged.update(connections)
        return Connection(self.block, merged)


class Block:
    """What can be added to a model: an op or a model."""

    def __call__(self, **connections):
        """This block with its ports connected to keys (`output="conv1"`)."""
        return Connection(self, connections)

    def input_ports(self):
        raise NotImplementedError

    def output_ports(self):
        raise NotImplementedError


class Operator(Block):
    """One op of the catalog; subclasses are named after it (`Conv2d`)."""

    spec = None

    def __init__(self, *args, name=None, **kwargs):
        spec = self.spec
        names = spec.arg_names
        if len(args) > len(names):
            raise MithrilError("%s takes at most %d arguments (%s), got %d" % (
                spec.name, len(names), ", ".join(names), len(args)))
        given = dict(zip(names, args))
        for key, value in kwargs.items():
            if key not in names:
                raise MithrilError("%s has no argument '%s'%s" % (
                    spec.name, key, _expected(names)))
            if key in given:
                raise MithrilError("%s: argument '%s' given twice" % (spec.name, key))
            given[key] = value
        for key, value in given.items():
            if value is not None and not spec.arg_fits(key, value):
                raise MithrilError("%s: argument '%s' cannot be %s" % (
                    spec.name, key, json.dumps(value) if _jsonable(value) else repr(value)))
        missing = [n for n, d in spec.args
                   if d is catalog.REQUIRED and given.get(n) is None]
        if missing:
            raise MithrilError("%s needs %s" % (spec.name, ", ".join(
                "'%s'" % m for m in missing)))
        if name is not None and not _IDENTIFIER.match(name):
            raise MithrilError("%s: name '%s' is not a C identifier" % (spec.name, name))
        # Only what was given goes to the model file; None means the default.
        self.args = {k: v for k, v in given.items() if v is not None}
        self.name = name

    def arg(self, name):
        """The argument's value, given or default."""
        return self.args.get(name, self.spec.default(name))

    def input_ports(self):
        return list(self.spec.ports)

    def output_ports(self):
        return ["output_0"] if self.spec.numbered_outputs else ["output"]

    def accepts_output_port(self, port):
        if self.spec.numbered_outputs:
            return re.match(r"^output_\d+$", port) is not None
        return port == "output"

    def parameter_shapes(self):
        return self.spec.parameter_shapes(self.args)

    def __repr__(self):
        args = ", ".join("%s=%r" % item for item in self.args.items())
        return "%s(%s)" % (self.spec.name, args)


def _make_op_class(spec):
    doc = "The catalog op %s(%s): ports %s." % (
        spec.name, ", ".join(n if d is catalog.REQUIRED else "%s=%r" % (n, d)
                             for n, d in spec.args), ", ".join(spec.ports))
    return type(spec.name, (Operator,), {"spec": spec, "__doc__": doc})


for _spec in catalog.CATALOG.values():
    globals()[_spec.name] = _make_op_class(_spec)


def _expected(names):
    return " (expected one of: %s)" % ", ".join(names) if names else " (it has none)"


class _Node:
    """A block added to a graph, with its connections resolved to keys."""

    def __init__(self, block, name, inputs, outputs):
        self.block = block
        self.name = name          # explicit, or None
        self.inputs = inputs      # port -> key, list of keys, or number
        self.outputs = outputs    # port -> key


class Model(Block):
    """A graph of blocks, itself usable as a block."""

    def __init__(self, name=None):
        if name is not None and not _IDENTIFIER.match(name):
            raise MithrilError("model name '%s' is not a C identifier" % name)
        self.name = name
        self.nodes = []
        self.inputs = {}       # key -> {"shape": ..., "dtype": ...} or None
        self.auto_keys = set()  # keys that no one named
        self.explicit_outputs = None
        self.weights = None    # a weights file named by a model file

    # Composition.

    def __ior__(self, block):
        self.add(block, chain=False, _depth=2)
        return self

    def __iadd__(self, block):
        self.add(block, chain=True, _depth=2)
        return self

    def add(self, block, chain=False, name=None, _depth=1, **connections):
        """Adds `block` (an op, a model, or either with connections);
        `chain` connects its first input to the previous block's first
        output unless that input is named; `name` names the node (its
        parameters are `<name>.<parameter>`)."""
        if name is not None and (not isinstance(name, str) or not _IDENTIFIER.match(name)):
            raise MithrilError("node name %r is not a C identifier" % (name,))
        if isinstance(block, Connection):
            connections = dict(block.connections, **connections)
            block = block.block
        if not isinstance(block, Block):
            raise MithrilError("cannot add %r to a model: expected an op or a Model"
                               % (block,))
        if block is self or (isinstance(block, Model) and self in block._all_blocks()):
            raise MithrilError("a model cannot contain itself")
        if isinstance(block, Model):
            block._infer_name(sys._getframe(_depth))
            if not block.nodes:
                raise MithrilError("model '%s' is empty: add blocks to it first"
                                   % block.block_name())
        self._check_ports(block, connections)
        node = _Node(block, name or (block.name if isinstance(block, Operator) else None),
                     {}, {})
        self._check_name(node)
        saved = dict(self.inputs), set(self.auto_keys)
        try:
            self._connect_inputs(node, connections, chain)
            self._connect_outputs(node, connections)
            name = self.node_names(nodes=self.nodes + [node])[-1]
            self._node_shapes(node, self.known_shapes(), name)
        except MithrilError:
            self.inputs, self.auto_keys = saved   # the model is left as it was
            raise
        self.nodes.append(node)
        return self

    def set_outputs(self, *keys):
        """The model's outputs, in order (default: the last block's first
        output, named `output` unless it was named)."""
        for key in keys:
            if not isinstance(key, str) or key not in self._produced():
                raise MithrilError("no block produces '%s'" % key)
            _check_port_name(key, "output")
        self.explicit_outputs = list(keys)
        return self

    def set_shapes(self, **shapes):
        """Types of inputs: `set_shapes(input=["N", 3, 32, 32])`, or with a
        dtype, `input=(["N", 16], "i64")`."""
        for key, value in shapes.items():
            if key not in self.inputs:
                raise MithrilError("model has no input '%s'%s" % (
                    key, _expected(list(self.inputs))))
            shape, dtype = (value if isinstance(value, tuple) else (value, "f32"))
            self.inputs[key] = _tensor_type(key, shape, dtype)
        self.known_shapes()
        return self

    # Shapes.

    def known_shapes(self, input_types=None):
        """{key: shape} as far as it is known (None for an unknown size or
        rank), from the input types; raises MithrilError where a block
        cannot fit."""
        shapes = {}
        for key, known in self.inputs.items():
            known = (input_types or {}).get(key, known)
            shapes[key] = None if not known else [
                d if isinstance(d, int) else None for d in known["shape"]]
        names = self.node_names()
        for node, name in zip(self.nodes, names):
            shapes.update(self._node_shapes(node, shapes, name))
        return shapes

    def _node_shapes(self, node, shapes, where):
        """{key: shape} of what `node` produces."""
        inputs = {}
        for port, key in node.inputs.items():
            if isinstance(key, str):
                inputs[port] = shapes.get(key)
            elif not isinstance(key, list):
                inputs[port] = []           # a scalar constant
        if isinstance(node.block, Operator):
            outputs = shape_rules.infer(node.block, inputs, "%s '%s'" % (
                node.block.spec.name, where))
        else:
            block = node.block
            types = {k: None if inputs.get(k) is None else
                     {"shape": ["?" if d is None else d for d in inputs[k]]}
                     for k in block.inputs}
            inner = block.known_shapes(types)
            outputs = {port: inner.get(block._internal_key(port))
                       for port in block.output_keys()}
        return {key: outputs.get(port) for port, key in node.outputs.items()}

    def _internal_key(self, public):
        """The key inside this model of the output it shows as `public`."""
        if public == "output" and not self.explicit_outputs and \
                self._public_key(self._canonical_output()) == "output":
            return self._canonical_output()
        return public

    # What a block shows its parent.

    def input_ports(self):
        return list(self.inputs)

    def output_ports(self):
        return self.output_keys()

    def accepts_output_port(self, port):
        return port in self.output_keys()

    def output_keys(self):
        """The output keys, as the model file names them."""
        if self.explicit_outputs:
            return list(self.explicit_outputs)
        return [self._public_key(self._canonical_output())]

    def block_name(self):
        return self.name or getattr(self, "_inferred_name", None) or "block"

    # Resolution.

    def _check_ports(self, block, connections):
        inputs, kind = block.input_ports(), _describe(block)
        for port, key in connections.items():
            if port in inputs:
                continue
            if block.accepts_output_port(port):
                if not isinstance(key, str):
                    raise MithrilError("%s: output '%s' must be named by a string, got %r"
                                       % (kind, port, key))
                continue
            raise MithrilError("%s has no port '%s'%s" % (
                kind, port, _expected(inputs + block.output_ports())))

    def _check_name(self, node):
        if node.name is None:
            return
        for other in self.nodes:
            if other.name == node.name:
                raise MithrilError("two blocks are named '%s'" % node.name)

    def _connect_inputs(self, node, connections, chain):
        ports = node.block.input_ports()
        optional = getattr(getattr(node.block, "spec", None), "optional_ports", ())
        for i, port in enumerate(ports):
            if port in connections:
                node.inputs[port] = self._input_key(node, port, connections[port])
            elif i == 0 and chain and self.nodes:
                node.inputs[port] = self._first_output(self.nodes[-1])
            elif i == 0 and not self.nodes and self.inputs:
                node.inputs[port] = next(iter(self.inputs))
            elif port not in optional:
                node.inputs[port] = self._new_input(port)

    def _input_key(self, node, port, key):
        spec = getattr(node.block, "spec", None)
        if spec is not None and port == spec.variadic_port:
            if not isinstance(key, (list, tuple)) or not key:
                raise MithrilError("%s: port '%s' takes a list of keys" % (
                    _describe(node.block), port))
            return [self._input_key(node, "%s[%d]" % (port, i), k)
                    for i, k in enumerate(key)]
        if isinstance(key, bool) or not isinstance(key, (str, int, float)):
            raise MithrilError("%s: port '%s' takes a key or a number, got %r" % (
                _describe(node.block), port, key))
        if isinstance(key, str) and key not in self._produced():
            _check_port_name(key, "input")
            self.inputs[key] = None
        return key

    def _new_input(self, port):
        key, k = port, 1
        while key in self._produced():
            key, k = "%s_%d" % (port, k), k + 1
        self.inputs[key] = None
        return key

    def _connect_outputs(self, node, connections):
        block = node.block
        produced = self._produced()
        ports = [p for p in connections if p not in block.input_ports()]
        for port in block.output_ports():
            if port not in ports:
                ports.append(port)
        for port in ports:
            if port in connections:
                key = connections[port]
                if key in produced:
                    raise MithrilError("key '%s' is produced twice: by %s and by %s"
                                       % (key, self._producer(key), _describe(block)))
            else:
                key, k = "_%s_%d" % (port, len(self.nodes)), 1
                while key in produced:
                    key, k = "_%s_%d_%d" % (port, len(self.nodes), k), k + 1
                self.auto_keys.add(key)
            node.outputs[port] = key
            produced.add(key)

    def _produced(self):
        keys = set(self.inputs)
        for node in self.nodes:
            keys.update(node.outputs.values())
        return keys

    def _producer(self, key):
        if key in self.inputs:
            return "the model's input"
        for node in self.nodes:
            for port, k in node.outputs.items():
                if k == key:
                    return "%s (port '%s')" % (_describe(node.block), port)
        return "?"

    @staticmethod
    def _first_output(node):
        return next(iter(node.outputs.values()))

    def _canonical_output(self):
        if not self.nodes:
            raise MithrilError("the model is empty")
        return self._first_output(self.nodes[-1])

    def _public_key(self, key):
        """An auto key that is the model's output is named `output`."""
        if key in self.auto_keys and key == self._canonical_output() \
                and not self.explicit_outputs and "output" not in self._produced():
            return "output"
        return key

    def _infer_name(self, frame):
        """A model without a name takes that of the variable holding it in
        the code that adds it (`model += res_block` names it res_block)."""
        if self.name or getattr(self, "_inferred_name", None):
            return
        for scope in (frame.f_locals, frame.f_globals):
            for var, value in scope.items():
                if value is self and _IDENTIFIER.match(var) and not var.startswith("_"):
                    self._inferred_name = var
                    return

    def _all_blocks(self):
        """Every model used inside this one, at any depth."""
        found = []
        for node in self.nodes:
            if isinstance(node.block, Model) and node.block not in found:
                for inner in node.block._all_blocks() + [node.block]:
                    if inner not in found:
                        found.append(inner)
        return found

    # Parameters.

    def node_names(self, block_names=None, nodes=None):
        """Each node's name: its own, or `<op or block in snake_case>_<k>`."""
        nodes = self.nodes if nodes is None else nodes
        if block_names is None:
            block_names = self._block_names()
            for node in nodes:
                if isinstance(node.block, Model) and id(node.block) not in block_names:
                    block_names[id(node.block)] = node.block.block_name()
        counts, names = {}, []
        for node in nodes:
            if node.name:
                names.append(node.name)
                continue
            base = (catalog.snake_case(node.block.spec.name)
                    if isinstance(node.block, Operator) else block_names[id(node.block)])
            names.append("%s_%d" % (base, counts.get(base, 0)))
            counts[base] = counts.get(base, 0) + 1
        return names

    def parameter_shapes(self, _block_names=None):
        """{name: shape} of every parameter, named as the model file does
        (`res_block_1.conv1.weight`)."""
        block_names = _block_names or self._block_names()
        shapes = {}
        for node, name in zip(self.nodes, self.node_names(block_names)):
            inner = (node.block.parameter_shapes() if isinstance(node.block, Operator)
                     else node.block.parameter_shapes(block_names))
            for param, shape in inner.items():
                shapes["%s.%s" % (name, param)] = shape
        return shapes

    def parameter_ops(self):
        """{parameter name: the op that owns it}."""
        block_names = self._block_names()
        owners = {}

        def walk(model, prefix):
            for node, name in zip(model.nodes, model.node_names(block_names)):
                if isinstance(node.block, Operator):
                    for param in node.block.parameter_shapes():
                        owners[prefix + name + "." + param] = node.block
                else:
                    walk(node.block, prefix + name + ".")
        walk(self, "")
        return owners

    # Model files.

    def _block_names(self):
        """A distinct name for every model used as a block."""
        names, used = {}, set()
        for block in self._all_blocks():
            base = block.block_name()
            name, k = base, 1
            while name in used:
                name, k = "%s_%d" % (base, k), k + 1
            used.add(name)
            names[id(block)] = name
        return names

    def to_dict(self, shapes=None, name=None):
        """The model file (spec/model-format.md) as a dict. `shapes` gives
        input types (`{"input": ["N", 3, 32, 32]}` or `(shape, dtype)`);
        an input without one takes the type its first user implies, when
        it is a layer (Conv2d: `["N", C, "H", "W"]`)."""
        model_name = name or self.name or "model"
        if not _IDENTIFIER.match(model_name):
            raise MithrilError("model name '%s' is not a C identifier" % model_name)
        block_names = self._block_names()
        document = {"format": "mithril-model", "version": 1, "name": model_name}
        document["inputs"] = self._input_types(shapes or {}, top=True)
        self.known_shapes(document["inputs"])
        document["outputs"] = self.output_keys()
        blocks = self._all_blocks()
        if blocks:
            document["blocks"] = {
                block_names[id(b)]: b._graph(block_names) for b in blocks}
        document["nodes"] = self._nodes_json(block_names)
        if self.weights:
            document["weights"] = self.weights
        return document

    def to_json(self, shapes=None, name=None, indent=1):
        """The model file as JSON text."""
        return json.dumps(self.to_dict(shapes, name), indent=indent)

    def _graph(self, block_names):
        return {"inputs": self._input_types({}, top=False),
                "outputs": self.output_keys(),
                "nodes": self._nodes_json(block_names)}

    def _input_types(self, shapes, top):
        unknown = [k for k in shapes if k not in self.inputs]
        if unknown:
            raise MithrilError("model has no input '%s'%s" % (
                unknown[0], _expected(list(self.inputs))))
        types = {}
        for key, known in self.inputs.items():
            if key in shapes:
                value = shapes[key]
                shape, dtype = value if isinstance(value, tuple) else (value, "f32")
                types[key] = _tensor_type(key, shape, dtype)
            elif known:
                types[key] = known
            elif top:
                types[key] = self._implied_type(key)
            else:
                types[key] = {}
        return types

    def _implied_type(self, key):
        for node in self.nodes:
            for port, k in node.inputs.items():
                if k == key:
                    implied = _implied_input_type(node.block, port)
                    if implied:
                        return implied
                    raise MithrilError(
                        "input '%s' has no shape: give shapes={'%s': [...]} "
                        "(dims are ints or symbols such as 'N')" % (key, key))
        raise MithrilError("input '%s' is not used" % key)

    def _nodes_json(self, block_names):
        """The nodes, written as the user would: `inputs` left out where
        chaining gives them, `outputs` where no one names the keys."""
        chained = self._chained_nodes()
        uses = self._key_uses(chained)
        nodes = []
        for i, node in enumerate(self.nodes):
            entry = ({"op": node.block.spec.name} if isinstance(node.block, Operator)
                     else {"block": block_names[id(node.block)]})
            if node.name:
                entry["name"] = node.name
            if isinstance(node.block, Operator) and node.block.args:
                entry["args"] = {k: _json_value(v) for k, v in node.block.args.items()}
            if i not in chained:
                entry["inputs"] = {port: self._public_value(key)
                                   for port, key in node.inputs.items()}
            if any(uses.get(key) for key in node.outputs.values()) or \
                    any(key not in self.auto_keys for key in node.outputs.values()):
                entry["outputs"] = {port: self._public_key(key)
                                    for port, key in node.outputs.items()}
            nodes.append(entry)
        return nodes

    def _chained_nodes(self):
        """Indices of the nodes whose only input is what chaining gives: the
        previous node's first output (the model's first input for the
        first node)."""
        chained = set()
        for i, node in enumerate(self.nodes):
            if len(node.inputs) != 1:
                continue
            key = next(iter(node.inputs.values()))
            previous = (self._first_output(self.nodes[i - 1]) if i > 0
                        else next(iter(self.inputs), None))
            if key == previous and next(iter(node.inputs)) == node.block.input_ports()[0]:
                chained.add(i)
        return chained

    def _key_uses(self, chained):
        """{auto key: whether the file must name it}: it is read by a node
        that is not chained to it, or is an output the last-node rule does
        not give."""
        uses = {}
        for i, node in enumerate(self.nodes):
            if i in chained:
                continue
            for key in node.inputs.values():
                for k in (key if isinstance(key, list) else [key]):
                    if k in self.auto_keys:
                        uses[k] = True
        for key in self.output_keys():
            internal = self._internal_key(key)
            if internal in self.auto_keys and (
                    internal != self._canonical_output() or key != self.output_keys()[0]):
                uses[internal] = True
        return uses

    def _public_value(self, key):
        if isinstance(key, list):
            return [self._public_value(k) for k in key]
        return self._public_key(key) if isinstance(key, str) else key

    @classmethod
    def from_json(cls, source):
        """A model from a model file: a path, JSON text, or a dict. A file
        that breaks the format is a MithrilError naming the JSON path."""
        base = os.getcwd()
        if isinstance(source, dict):
            document = source
        else:
            text = source
            if not (isinstance(source, str) and source.lstrip()[:1] in ("{", "[")):
                try:
                    with open(source) as f:
                        text = f.read()
                except OSError as error:
                    raise MithrilError("cannot read %s: %s" % (source, error.strerror))
                base = os.path.dirname(os.path.abspath(source))
            try:
                document = json.loads(text)
            except ValueError as error:
                raise MithrilError("invalid JSON: %s" % error)
        if not isinstance(document, dict) or document.get("format") != "mithril-model" \
                or document.get("version") != 1:
            raise MithrilError("not a model file of format mithril-model, version 1")
        definitions = _field(document, "blocks", dict, "", {})
        blocks = {}

        def block(name, path, stack=()):
            if not isinstance(name, str):
                raise MithrilError("%s: expected a block's name, got %s" % (
                    path, json.dumps(name)))
            if name in stack:
                raise MithrilError("%s: block '%s' uses itself" % (path, name))
            if name not in blocks:
                if name not in definitions:
                    raise MithrilError("%s: no block %r" % (path, name))
                graph = _field(definitions, name, dict, "/blocks")
                blocks[name] = _read_graph(
                    Model(name), graph, "/blocks/" + name,
                    lambda n, p: block(n, p, stack + (name,)), top=False)
            return blocks[name]

        name = _field(document, "name", str, "")
        if not _IDENTIFIER.match(name):
            raise MithrilError("/name: '%s' is not a C identifier" % name)
        model = _read_graph(Model(name), document, "", block, top=True)
        if "weights" in document:
            model.weights = os.path.join(base, _field(document, "weights", str, ""))
        return model

    def __repr__(self):
        return "Model(%s: %d blocks, inputs %s, outputs %s)" % (
            self.block_name(), len(self.nodes), list(self.inputs), self.output_keys())


_MISSING = object()


def _field(container, key, kind, path, default=_MISSING):
    """`container[key]`, which must be a `kind`; errors name the path."""
    if key not in container:
        if default is _MISSING:
            raise MithrilError("%s: missing '%s'" % (path or "/", key))
        return default
    value = container[key]
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise MithrilError("%s/%s: expected %s, got %s" % (
            path, key, {dict: "an object", list: "an array", str: "a string"}.get(
                kind, kind.__name__), json.dumps(value)[:60]))
    return value


def _read_graph(model, graph, path, block, top):
    """Adds the nodes of a model file's graph (at JSON `path`) to `model`."""
    for key, value in _field(graph, "inputs", dict, path).items():
        if not isinstance(value, dict):
            raise MithrilError("%s/inputs/%s: expected a tensor type" % (path, key))
        _check_port_name(key, "input")
        model.inputs[key] = None
        if top or value:
            shape = _field(value, "shape", list, "%s/inputs/%s" % (path, key))
            model.inputs[key] = _tensor_type(key, shape, value.get("dtype", "f32"))
    outputs = _field(graph, "outputs", list, path)
    for i, key in enumerate(outputs):
        if not isinstance(key, str):
            raise MithrilError("%s/outputs/%d: expected a key, got %s" % (
                path, i, json.dumps(key)))
    for i, entry in enumerate(_field(graph, "nodes", list, path)):
        where = "%s/nodes/%d" % (path, i)
        if not isinstance(entry, dict):
            raise MithrilError("%s: expected an object" % where)
        try:
            _read_node(model, entry, where, block)
        except MithrilError as error:
            message = str(error)
            raise MithrilError(message if message.startswith("/") else
                               "%s: %s" % (where, message))
    if outputs and outputs[0] not in model._produced() and model.nodes:
        last = model.nodes[-1]
        port = next(iter(last.outputs))
        model.auto_keys.discard(last.outputs[port])
        last.outputs[port] = outputs[0]
    if outputs != model.output_keys():
        model.set_outputs(*outputs)
    return model


def _read_node(model, entry, where, block):
    if "op" in entry:
        op = _field(entry, "op", str, where)
        if op not in catalog.CATALOG:
            raise MithrilError("unknown op '%s'" % op)
        child = globals()[op](name=_field(entry, "name", str, where, None),
                              **_field(entry, "args", dict, where, {}))
    elif "block" in entry:
        child = block(entry["block"], where + "/block")
    else:
        raise MithrilError("a node has an 'op' or a 'block'")
    connections = dict(_field(entry, "inputs", dict, where, {}))
    connections.update(_field(entry, "outputs", dict, where, {}))
    name = _field(entry, "name", str, where, None) if isinstance(child, Model) else None
    model.add(child, chain="inputs" not in entry, name=name, **connections)


def _check_port_name(key, kind):
    """A model's inputs and outputs are C identifiers (they name ports)."""
    if not _IDENTIFIER.match(key):
        raise MithrilError("'%s' cannot be an %s of the model: not a C identifier"
                           % (key, kind))


def _tensor_type(key, shape, dtype):
    if dtype not in _DTYPES:
        raise MithrilError("input '%s': unknown dtype '%s' (one of %s)" % (
            key, dtype, ", ".join(_DTYPES)))
    dims = []
    for dim in shape:
        if dim is None:
            dim = "N" if not dims else "D%d" % len(dims)
        if isinstance(dim, bool) or not isinstance(dim, (int, str)) or \
                (isinstance(dim, int) and dim < 0):
            raise MithrilError("input '%s': dim %r is neither a size nor a symbol"
                               % (key, dim))
        dims.append(dim)
    return {"shape": dims, "dtype": dtype}


def _implied_input_type(block, port):
    """The input type a layer implies for its first input, with symbols."""
    if not isinstance(block, Operator) or port != block.input_ports()[0]:
        return None
    name, arg = block.spec.name, block.arg
    if name in ("Conv2d", "BatchNorm2d"):
        channels = arg("in_channels") if name == "Conv2d" else arg("num_features")
        return {"shape": ["N", channels, "H", "W"], "dtype": "f32"}
    if name in ("Conv1d", "BatchNorm1d"):
        channels = arg("in_channels") if name == "Conv1d" else arg("num_features")
        return {"shape": ["N", channels, "L"], "dtype": "f32"}
    if name == "Linear":
        return {"shape": ["N", arg("in_features")], "dtype": "f32"}
    if name == "Embedding":
        return {"shape": ["N", "T"], "dtype": "i64"}
    return None


def _jsonable(value):
    try:
        json.dumps(value)
        return True
    except (TypeError, ValueError):
        return False


def _json_value(value):
    if isinstance(value, tuple):
        return list(value)
    return value


def _describe(block):
    if isinstance(block, Operator):
        return "%s%s" % (block.spec.name, " '%s'" % block.name if block.name else "")
    return "model '%s'" % block.block_name()
