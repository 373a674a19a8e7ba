#!/usr/bin/env python3
"""Writes the external-data test fixture: mobile_se.onnx re-saved with every weight in one
external data file, the layout torch.onnx.export and onnx.save_model use for models over 2 GB.

    python3 scripts/onnx/make_external_fixture.py [--out embeddings-core/src/test/resources/onnx]

Writes mobile_se_ext.onnx (the graph) and mobile_se_ext.onnx.data (the weights). Needs only the
`onnx` package (Debian: python3-onnx); the output is the same bytes on every run.
"""
import argparse
import os

import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "..", "..", "embeddings-core", "src", "test", "resources", "onnx")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT, help="fixture folder (default: %(default)s)")
    args = ap.parse_args()
    model = onnx.load(os.path.join(args.out, "mobile_se.onnx"))
    data = "mobile_se_ext.onnx.data"
    path = os.path.join(args.out, "mobile_se_ext.onnx")
    if os.path.exists(os.path.join(args.out, data)):
        os.remove(os.path.join(args.out, data))  # save_model appends to an existing data file
    onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=True,
                    location=data, size_threshold=0)
    onnx.checker.check_model(path)
    print(f"{path}: {os.path.getsize(path)} bytes; {data}: "
          f"{os.path.getsize(os.path.join(args.out, data))} bytes")


if __name__ == "__main__":
    main()
