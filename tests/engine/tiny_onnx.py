"""A tiny salient-object model in ONNX, made in the test (the teacher's tests never download)."""

from __future__ import annotations

from pathlib import Path

import onnx


def tiny_saliency_model(path: Path, *, side: int = 320, outputs: int = 7) -> Path:
    """An ONNX model whose outputs are the mean of the three input planes: bright pixels are salient."""
    helper, TensorProto = onnx.helper, onnx.TensorProto
    source = helper.make_tensor_value_info("input.1", TensorProto.FLOAT, [1, 3, side, side])
    names = [f"side{i}" for i in range(outputs)]
    nodes = [helper.make_node("ReduceMean", ["input.1"], [names[0]], axes=[1], keepdims=1)]
    nodes += [helper.make_node("Identity", [names[0]], [name]) for name in names[1:]]
    results = [helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, 1, side, side]) for name in names]
    graph = helper.make_graph(nodes, "tiny", [source], results)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.save(model, str(path))
    return path


def tiny_matting_model(path: Path, *, channels: int = 3) -> Path:
    """An ONNX model of MODNet's contract, any size: its alpha is the input planes' mean mapped back from
    [−1, 1] to [0, 1], so bright pixels are the subject."""
    helper, TensorProto = onnx.helper, onnx.TensorProto
    source = helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, channels, "height", "width"])
    half = helper.make_tensor("half", TensorProto.FLOAT, [], [0.5])
    nodes = [
        helper.make_node("ReduceMean", ["input"], ["mean"], axes=[1], keepdims=1),
        helper.make_node("Mul", ["mean", "half"], ["scaled"]),
        helper.make_node("Add", ["scaled", "half"], ["output"]),
    ]
    result = helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, "height", "width"])
    graph = helper.make_graph(nodes, "tiny-matting", [source], [result], initializer=[half])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.save(model, str(path))
    return path
