module credshare.dev/native

go 1.19
