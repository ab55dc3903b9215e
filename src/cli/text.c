/* text.c - what each error code means to a person, in Simplified Chinese
 * and in English. One table; the codes come from include/huzhu/error.h. */
#include "cli.h"

struct text {
    int code;
    const char *zh;
    const char *en;
};

static const struct text texts[] = {
    {HZ_EINVAL, "参数不正确", "invalid argument"},
    {HZ_ENOMEM, "内存不足", "out of memory"},
    {HZ_EIO, "读写出错", "input/output error"},
    {HZ_EMALFORMED, "数据格式错误，已拒收，未做任何更改",
     "malformed data: refused, nothing changed"},
    {HZ_ETOOBIG, "超出大小限制，已拒收", "a size limit was exceeded: refused"},
    {HZ_EBADSIG, "签名校验失败(数据被篡改?)，已拒收，未做任何更改",
     "signature does not verify (tampered?): refused, nothing changed"},
    {HZ_ECHAIN, "日志链接不符", "entry does not link into its chain"},
    {HZ_EGAP, "缺少前序条目", "predecessor missing"},
    {HZ_EFORK, "发现同一设备的两份不同记录(分叉)",
     "two histories of one device (fork)"},
    {HZ_EVERSION, "数据来自更新版本的互助，请升级",
     "written by a newer huzhu: please upgrade"},
    {HZ_ESCHEMA, "未知的表、字段或取值", "unknown table, column or value"},
    {HZ_EVALUE, "取值不被接受", "value not accepted"},
    {HZ_ENETWORK, "数据属于另一个网络，已拒收，未做任何更改",
     "belongs to another network: refused, nothing changed"},
    {HZ_ENOTFOUND, "未找到", "not found"},
    {HZ_EEXIST, "已存在", "already exists"},
    {HZ_ENOTNODE, "不是互助节点目录(请先运行 huzhu init)",
     "not a huzhu node directory (run huzhu init first)"},
    {HZ_ECORRUPT, "本地数据校验失败", "local data fails its checks"},
    {HZ_EBUSY, "数据库忙，请稍后重试", "database is busy, try again"},
    {HZ_ENOSPC, "磁盘已满，未写入", "disk is full: nothing written"},
    {HZ_EDELETED, "该记录已删除", "this row was deleted"},
    {HZ_ECONFLICT, "同一编号已用于不同内容",
     "this id was used for other content"},
    {HZ_EREVOKED, "设备已被吊销", "device is revoked"},
    {HZ_EREADONLY, "存储为只读，只能查看和导出",
     "storage is read-only: reading and export only"},
    {HZ_EPERM, "本设备的角色无权进行此操作",
     "not allowed for this device's role"},
    {HZ_ECLONE, "本机密钥被另一台设备使用(复制的SD卡?)，已停止写入",
     "another device uses this node's key (cloned card?): writes stopped"},
};

const char *text_error(int code, enum cli_lang lang)
{
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        if (texts[i].code == code)
            return lang == LANG_ZH ? texts[i].zh : texts[i].en;
    }
    return lang == LANG_ZH ? "未知错误" : hz_strerror(code);
}
