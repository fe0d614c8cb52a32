module gosim/bench/runtime/go

go 1.19
