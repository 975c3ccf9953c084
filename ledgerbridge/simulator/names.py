"""Name pools for a plausible Chinese/international enterprise group.

Names are combined from parts so that any number of distinct, realistic
names can be drawn deterministically.
"""

from __future__ import annotations

CITIES = [
    ("上海", "Shanghai"),
    ("苏州", "Suzhou"),
    ("杭州", "Hangzhou"),
    ("南京", "Nanjing"),
    ("深圳", "Shenzhen"),
    ("广州", "Guangzhou"),
    ("宁波", "Ningbo"),
    ("无锡", "Wuxi"),
    ("天津", "Tianjin"),
    ("成都", "Chengdu"),
    ("武汉", "Wuhan"),
    ("青岛", "Qingdao"),
    ("厦门", "Xiamen"),
    ("合肥", "Hefei"),
    ("西安", "Xi'an"),
    ("重庆", "Chongqing"),
]
CN_WORDS = [
    ("华晨", "Huachen"),
    ("恒通", "Hengtong"),
    ("新瑞", "Xinrui"),
    ("博远", "Boyuan"),
    ("泰和", "Taihe"),
    ("金盛", "Jinsheng"),
    ("永信", "Yongxin"),
    ("东方", "Dongfang"),
    ("宏达", "Hongda"),
    ("联创", "Lianchuang"),
    ("中科", "Zhongke"),
    ("海川", "Haichuan"),
    ("嘉禾", "Jiahe"),
    ("天成", "Tiancheng"),
    ("瑞丰", "Ruifeng"),
    ("鼎盛", "Dingsheng"),
    ("卓越", "Zhuoyue"),
    ("安达", "Anda"),
    ("科沃", "Kewo"),
    ("德润", "Derun"),
]
CN_TRADES = [
    ("电子", "Electronics"),
    ("机械", "Machinery"),
    ("材料", "Materials"),
    ("贸易", "Trading"),
    ("精密", "Precision"),
    ("包装", "Packaging"),
    ("化工", "Chemicals"),
    ("物流", "Logistics"),
    ("自动化", "Automation"),
    ("信息", "Information"),
]
FOREIGN_FIRST = [
    "Apex",
    "Northwind",
    "Bluewater",
    "Silverline",
    "Helios",
    "Vector",
    "Granite",
    "Orion",
    "Summit",
    "Pioneer",
    "Atlas",
    "Meridian",
    "Falcon",
    "Evergreen",
    "Keystone",
    "Nordic",
]
FOREIGN_SECOND = [
    "Components",
    "Industries",
    "Supply",
    "Systems",
    "Devices",
    "Materials",
    "Logistics",
    "Technologies",
    "Instruments",
    "Solutions",
]
FOREIGN_SUFFIX = ["GmbH", "Inc.", "Ltd.", "B.V.", "S.A.", "LLC", "AG", "Pte. Ltd."]

SURNAMES = [
    ("王", "Wang"),
    ("李", "Li"),
    ("张", "Zhang"),
    ("刘", "Liu"),
    ("陈", "Chen"),
    ("杨", "Yang"),
    ("赵", "Zhao"),
    ("黄", "Huang"),
    ("周", "Zhou"),
    ("吴", "Wu"),
    ("徐", "Xu"),
    ("孙", "Sun"),
    ("胡", "Hu"),
    ("朱", "Zhu"),
    ("高", "Gao"),
    ("林", "Lin"),
    ("何", "He"),
    ("郭", "Guo"),
]
GIVEN = [
    ("伟", "Wei"),
    ("芳", "Fang"),
    ("娜", "Na"),
    ("敏", "Min"),
    ("静", "Jing"),
    ("丽", "Li"),
    ("强", "Qiang"),
    ("磊", "Lei"),
    ("军", "Jun"),
    ("洋", "Yang"),
    ("勇", "Yong"),
    ("艳", "Yan"),
    ("杰", "Jie"),
    ("娟", "Juan"),
    ("涛", "Tao"),
    ("明", "Ming"),
    ("超", "Chao"),
    ("秀英", "Xiuying"),
    ("华", "Hua"),
    ("慧", "Hui"),
    ("建国", "Jianguo"),
    ("晓东", "Xiaodong"),
    ("雪", "Xue"),
    ("宇", "Yu"),
]
WESTERN_FIRST = ["James", "Emma", "Oliver", "Sophia", "Lucas", "Mia", "Noah", "Ava", "Ethan", "Grace"]
WESTERN_LAST = ["Smith", "Miller", "Brown", "Taylor", "Clark", "Walker", "Young", "Hill", "Scott", "Green"]

# (Chinese name, English name, material group, base unit price in CNY, unit)
MATERIAL_BASES = [
    ("不锈钢板", "Stainless steel sheet", "RAW", 420.0, "张"),
    ("铝型材", "Aluminium profile", "RAW", 86.0, "根"),
    ("铜线", "Copper wire", "RAW", 62.5, "千克"),
    ("ABS塑料粒子", "ABS resin pellets", "RAW", 18.4, "千克"),
    ("电路板", "Printed circuit board", "RAW", 135.0, "块"),
    ("电容器", "Capacitor", "RAW", 0.85, "个"),
    ("轴承", "Bearing", "RAW", 24.0, "个"),
    ("包装纸箱", "Carton box", "RAW", 3.2, "个"),
    ("伺服电机", "Servo motor", "GOODS", 1850.0, "台"),
    ("工业控制器", "Industrial controller", "GOODS", 3200.0, "台"),
    ("传感器模组", "Sensor module", "GOODS", 460.0, "套"),
    ("变频器", "Frequency inverter", "GOODS", 2750.0, "台"),
    ("智能电表", "Smart meter", "GOODS", 380.0, "台"),
    ("工业相机", "Industrial camera", "GOODS", 5200.0, "台"),
    ("液压阀组", "Hydraulic valve block", "GOODS", 1280.0, "套"),
    ("人机界面屏", "HMI panel", "GOODS", 2100.0, "台"),
]
MATERIAL_VARIANTS = [
    ("A型", "type A"),
    ("B型", "type B"),
    ("标准款", "standard"),
    ("加强款", "heavy duty"),
    ("小型", "compact"),
    ("大型", "large"),
    ("高精度", "high precision"),
    ("经济型", "economy"),
]

# (code suffix, Chinese name, English name, function)
DEPARTMENTS = [
    ("ADM", "行政部", "Administration", "ADMIN"),
    ("FIN", "财务部", "Finance", "ADMIN"),
    ("HR", "人力资源部", "Human Resources", "ADMIN"),
    ("SAL", "销售部", "Sales", "SALES"),
    ("MKT", "市场部", "Marketing", "SALES"),
    ("RD", "研发中心", "R&D Center", "RD"),
    ("PUR", "采购部", "Purchasing", "ADMIN"),
    ("OPS", "运营部", "Operations", "ADMIN"),
]
