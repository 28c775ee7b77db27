"""The words the demo is made of: places of Huế, Vietnamese names, and what officials write in their notes."""

PROVINCE = ("Thành phố Huế", "46")

# The three real communes of the demo, with their villages (thôn) and a point near their centre (lat, lon): Phong Phú
# (Phong Điền, on the coastal plain north of Huế, where Phò Trạch and Vĩnh Xương lie), Nam Đông (in the hills
# south-west) and Vinh Lộc (on the sand bar between the Cầu Hai lagoon and the sea). Villages are drawn within
# about 3 km of that point and households within about 400 m of their village's centre (demo.py, demo_people.py).
COMMUNES = [
    ("Phong Phú", (16.620, 107.350), ["Phò Trạch", "Vĩnh Xương", "Hòa Viện", "Trung Thạnh", "Vân Trình",
                                      "Trạch Phổ", "Lương Mai"]),
    ("Nam Đông", (16.160, 107.720), ["Phú Mậu", "Hà An", "Ka Tư", "Dỗi", "A Tin", "Phú Nhuận"]),
    ("Vinh Lộc", (16.400, 107.860), ["Hiền An", "Hiền Hòa", "Nghi Xuân", "Đình Đội", "Phước Hòa",
                                     "Diêm Trường", "Mỹ Lợi"]),
]

# Syllables that make up place names of central Vietnam, for the synthetic communes and their villages.
PLACE_WORDS = ["An", "Bình", "Hòa", "Phú", "Lộc", "Vinh", "Hương", "Quảng", "Điền", "Hải", "Thủy", "Phước",
               "Thạnh", "Mỹ", "Xuân", "Tân", "Long", "Đông", "Trung", "Thuận", "Lợi", "Khê", "Sơn", "Hưng"]

FAMILY = ["Nguyễn"] * 8 + ["Trần"] * 3 + ["Lê"] * 3 + ["Phạm", "Hoàng", "Huỳnh", "Phan", "Võ", "Đặng", "Bùi",
                                                       "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Trương", "Lưu"]
MIDDLE = {"m": ["Văn", "Văn", "Hữu", "Đức", "Minh", "Quang", "Công", "Đình", "Ngọc", "Xuân"],
          "f": ["Thị", "Thị", "Thị", "Ngọc", "Thu", "Minh", "Thanh", "Kim", "Mỹ", "Bích"]}
GIVEN = {"m": ["Hùng", "Dũng", "Phúc", "Tuấn", "Nam", "Hải", "Long", "Khánh", "Quân", "Bảo", "Thắng", "Sơn",
               "Tài", "Lộc", "Hiếu", "Trung", "Đạt", "Thành", "Vinh", "Cường"],
         "f": ["Ánh", "Hoa", "Lan", "Hương", "Mai", "Hằng", "Thảo", "Linh", "Trang", "Nhung", "Yến", "Ngọc",
               "Hạnh", "Liên", "Phượng", "Thủy", "Diệu", "Trâm", "Vân", "Hiền"]}

PHONE_PREFIXES = ["090", "091", "093", "094", "096", "097", "098", "086", "088", "089", "070", "077", "081", "083"]

NOTES_DONE = ["Đã cài VNeID và hướng dẫn đăng nhập.", "Hướng dẫn quét mã QR thanh toán ở chợ.",
              "Đã nộp hồ sơ trên Cổng dịch vụ công, bà con rất phấn khởi.",
              "Cháu trong nhà giúp thêm, hai ông bà đã tự làm được.",
              "Nhắc không đọc mã OTP cho người lạ gọi đến.", "Mở ứng dụng ngân hàng trên điện thoại của chị."]
NOTES_FOLLOW_UP = ["Điện thoại yếu, hẹn quay lại khi con mang máy mới về.",
                   "Chưa nhớ mật khẩu, hẹn tuần sau làm tiếp.", "Chờ kích hoạt mức 2 tại công an xã.",
                   "Ông muốn hỏi thêm con trai, hẹn quay lại buổi chiều."]
NOTES_DECLINED = ["Bác lớn tuổi, chưa muốn dùng điện thoại thông minh.", "Gia đình bận thu hoạch lúa."]
NOTES_NOT_HOME = ["Nhà vắng, đã gửi lời nhắn hàng xóm.", "Cả nhà đi làm đồng, chiều quay lại.", ""]

# Targets: the share of eligible residents each commune aims to have each topic (done, or had it already).
TARGETS = {"vneid_account": 80, "vneid_level2": 70, "cashless_payment": 60, "public_services": 50,
           "digital_skills": 60, "scam_awareness": 90}

# Demo passwords, one per role, readable on purpose: this is a demo.
PASSWORDS = {"admin": "quantri-demo", "leader": "lanhdao-demo", "official": "canbo-demo"}
