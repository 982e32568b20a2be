C*1
fooz
