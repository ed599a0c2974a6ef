"""Community offices' QR codes, residents' complaints and their handling (社区工作室 / 诉件)."""
