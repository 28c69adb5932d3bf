"""Mẫu 02–05 of TT 01/2018/TT-VPCP as A5 PDFs: each renderer takes a plain dataclass and returns bytes.

form02: phiếu yêu cầu bổ sung, hoàn thiện hồ sơ; form03: phiếu từ chối tiếp nhận; form04: phiếu xin lỗi
và hẹn lại ngày trả kết quả; form05: phiếu kiểm soát quá trình giải quyết hồ sơ. services/forms.py fills
the dataclasses from stored records; docs/forms.md.
"""
