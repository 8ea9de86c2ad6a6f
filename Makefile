# Somna — the two commands a new user needs are `make demo` and `make test`; the rest is for
# developers. Every target installs what is missing first (scripts/setup).

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=
SOMNA      := $(BUILD)/somna
SAMPLE     := data/samples/sample-night.hea
FUZZ_SECONDS ?= 60

.PHONY: all setup configure build demo test test-asan bench fuzz web loadtest train-default format clean \
  python

all: build

setup:
	@scripts/setup

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_ARGS)

configure: setup $(BUILD)/build.ninja

# Everything: the tool, the tests, the benchmarks, the web page.
build: configure web
	cmake --build $(BUILD) -j $(JOBS)

# The web page (web/ -> web/dist/) that `somna serve` serves at /.
web: setup
	@if [ -f web/package.json ]; then scripts/build-web; fi

# Only what the demo uses: the `somna` binary and the web page (not the tests and benchmarks).
demo: configure web
	cmake --build $(BUILD) -j $(JOBS) --target somna
	@scripts/demo $(SOMNA)

# The Python module somna in build/python: PYTHONPATH=build/python python3 (docs/python.md).
python: configure
	cmake --build $(BUILD) -j $(JOBS) --target somna_python

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# Unit tests once more under AddressSanitizer + UBSan (CI runs this after `make test`); -O1 and
# line tables only, as the sanitizers' docs advise: stack traces keep file:line, tests run faster.
test-asan: setup
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSOMNA_SANITIZE=ON \
	  -DCMAKE_CXX_FLAGS_DEBUG='-O1 -g1' -DSOMNA_BUILD_BENCH=OFF -DSOMNA_TRAINING=OFF $(CMAKE_ARGS)
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS) -E '^Browser\.'

bench: build
	@scripts/bench $(BUILD)
	@scripts/bench-process $(SOMNA)
	@scripts/bench-server $(SOMNA)

# libFuzzer on every parser and on upload staging, FUZZ_SECONDS each (default 60), one target at a
# time; found inputs that add coverage are merged into fuzz/corpus (docs/fuzzing.md). FUZZ_CPU=N
# pins the runs to one CPU.
fuzz: setup
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DSOMNA_FUZZ=ON -DSOMNA_BUILD_TESTS=OFF -DSOMNA_BUILD_BENCH=OFF -DSOMNA_WERROR=OFF -DSOMNA_TRAINING=OFF
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_all
	@scripts/fuzz $(FUZZ_BUILD) $(FUZZ_SECONDS)

loadtest: build
	@scripts/loadtest $(SOMNA)

train-default: build
	@scripts/train-default $(SOMNA)

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
