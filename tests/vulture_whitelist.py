"""Names the dead-code check (vulture, `make lint`) cannot see used: public API that users
call (Deeploy's facade, the pipeline editors), and hooks that frameworks call by name
(xDSL, pytest, onnxruntime options). Everything else it reports is dead and removed."""

# ruff: noqa
_ = object  # vulture reads names only; nothing here runs

# Deeploy's public API, kept name for name (docs/ARCHITECTURE.md, "Coming from Deeploy")
_.collides
_.addConstraint
_.sizeInBytes
_.generateFunction
_.memoryBlocks
_.generateInferenceInitializationCode
_.generateGlobalDefinitionCode
_.generateBufferInitializationCode
_.generateIOBufferInitializationCode
_.generateBufferAllocationCode
_.generateBufferDeAllocationCode
_.generateIncludeString
_.generateEngineInitializationCode
_.importDeeployState
_.setDefaultMemoryLevel
_.variableBuffer
_.constantBuffer
_.structBuffer
_.transientBuffer
_.ctxt
_.getTargetMemoryLevel
_.memoryBlocks
_.patternMemoryConstraints
_.searchStrategy
_.memoryAllocStrategy
_.visualizeMemoryAlloc
_.microbenchmarkProfiling

# the pipeline editors (README, "From Python")
_.insert_before
_.insert_after
_.remove

# framework hooks and fields read by name
_.match_and_rewrite  # xDSL rewrite patterns
_.verify_  # xDSL op verifiers
_.assembly_format
_.irdl_options
_.traits
_.version_format  # xDSLOptMain
_.register_all_dialects
_.register_all_passes
_.register_all_targets
_.get_input_stream
_.prepare_output
_._parse_optional_string_attr  # xDSL Parser override (dialects/parser.py)
_.__getattr__  # deeploy/__init__.py: lazy attributes
_.DEEPLOY_UNIVERSE  # the xdsl.universe entry point (pyproject.toml)
_.exitstatus  # pytest hook argument
_.log_severity_level  # onnxruntime SessionOptions
_.intra_op_num_threads
_.inter_op_num_threads
_.graph_optimization_level
_.doc_string  # onnx protobuf field
_.opset_imports
_.get_next  # onnxruntime CalibrationDataReader
_.l1_peak  # bench rows, written out by asdict
_.parse_parameters  # xDSL attribute syntax
_.print_parameters
_.pytest_configure  # pytest hooks (tests/conftest.py)
_.pytest_terminal_summary
