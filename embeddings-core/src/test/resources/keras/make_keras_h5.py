#!/usr/bin/python3
"""Writes tiny-cnn.h5: a Keras 2 Sequential model file, laid out as Keras 2.2 saves one, without
needing Keras itself (h5py and NumPy only: apt-get install python3-h5py).

Conv2D(4 filters, 3x3, valid, ReLU, channels_last) on 8x8x3 -> GlobalAveragePooling2D -> Dense(5,
softmax). Weights follow formulas that WeightsTest recomputes in Java, so the test checks the
imported network against an independent computation, not against itself:
  conv kernel[kh, kw, c, f] = 0.5 * sin(1 + i),  i = flat C-order index over (3, 3, 3, 4)
  conv bias[f]             = 0.05 * (f - 1.5)
  dense kernel[j, k]       = 0.3 * cos(1 + j * 5 + k),  dense bias[k] = 0.01 * k
Run from this folder: ./make_keras_h5.py
"""
import json

import h5py
import numpy as np

conv_kernel = (0.5 * np.sin(1 + np.arange(3 * 3 * 3 * 4))).reshape(3, 3, 3, 4).astype("float32")
conv_bias = (0.05 * (np.arange(4) - 1.5)).astype("float32")
dense_kernel = (0.3 * np.cos(1 + np.arange(4 * 5))).reshape(4, 5).astype("float32")
dense_bias = (0.01 * np.arange(5)).astype("float32")

init = {"class_name": "Zeros", "config": {}}
config = {
    "class_name": "Sequential",
    "config": {"name": "tiny", "layers": [
        {"class_name": "Conv2D", "config": {
            "name": "conv", "trainable": True, "batch_input_shape": [None, 8, 8, 3],
            "dtype": "float32", "filters": 4, "kernel_size": [3, 3], "strides": [1, 1],
            "padding": "valid", "data_format": "channels_last", "dilation_rate": [1, 1],
            "activation": "relu", "use_bias": True, "kernel_initializer": init,
            "bias_initializer": init, "kernel_regularizer": None, "bias_regularizer": None,
            "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}},
        {"class_name": "GlobalAveragePooling2D", "config": {
            "name": "pool", "trainable": True, "data_format": "channels_last"}},
        {"class_name": "Dense", "config": {
            "name": "dense", "trainable": True, "units": 5, "activation": "softmax",
            "use_bias": True, "kernel_initializer": init, "bias_initializer": init,
            "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
            "kernel_constraint": None, "bias_constraint": None}},
    ]},
}

with h5py.File("tiny-cnn.h5", "w") as f:
    f.attrs["keras_version"] = b"2.2.4"
    f.attrs["backend"] = b"tensorflow"
    f.attrs["model_config"] = json.dumps(config).encode("utf-8")
    weights = f.create_group("model_weights")
    weights.attrs["layer_names"] = np.array([b"conv", b"pool", b"dense"])
    weights.attrs["backend"] = b"tensorflow"
    weights.attrs["keras_version"] = b"2.2.4"
    for layer, arrays in (("conv", (conv_kernel, conv_bias)), ("pool", ()),
                          ("dense", (dense_kernel, dense_bias))):
        g = weights.create_group(layer)
        names = [f"{layer}/kernel:0", f"{layer}/bias:0"][:len(arrays)]
        g.attrs["weight_names"] = np.array([n.encode() for n in names], dtype="S")
        for name, array in zip(names, arrays):
            g.create_dataset(name, data=array)
