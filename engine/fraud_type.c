/* fraud_type.c: the taxonomy table. Instructions are the officer's one
 * sentence per type from the shared taxonomy; a rule may override it. */
#include "fraud_type.h"

#include <string.h>

static const struct {
    const char *code, *name, *instruction;
} types[FSC_FRAUD_TYPES + 1] = {
    {"FT??", "unknown", "Contact the person and check for signs of fraud."},
    {"FT01", "Task / order-brushing rebate",
     "Stop paying now: any job that asks you to pay first is fraud, and the \"rebates\" you "
     "received were bait."},
    {"FT02", "Fake investment / trading platform",
     "The platform is fake and you cannot withdraw; do not pay any \"unfreezing\" or \"tax\" "
     "fee, and give us the platform address and the receiving accounts."},
    {"FT03", "Fake shopping / services",
     "Only pay inside the official platform; a seller who asks for a private transfer or "
     "extra \"fees\" is scamming you."},
    {"FT04", "Fake e-commerce / courier customer service",
     "Hang up, end any screen sharing, and uninstall the app they told you to install; real "
     "customer service never asks you to transfer money or share your screen."},
    {"FT05", "Fake online loan",
     "No legitimate lender charges fees before lending, so do not pay anything more and "
     "delete the app."},
    {"FT06", "Fake credit-record repair",
     "Your credit record cannot be changed by phone, so do not transfer money or share your "
     "screen; check it only through official credit-reference channels."},
    {"FT07", "Impersonating a boss or acquaintance",
     "Before you pay anything, confirm by calling the person on a number you already have."},
    {"FT08", "Impersonating police, prosecutors or courts",
     "Police never handle cases by phone or use a \"safe account\"; stop the transfer and "
     "uninstall the app."},
    {"FT09", "Online romance / pig-butchering",
     "The person who is steering you to invest is the fraudster; stop transferring and keep "
     "the chat records."},
    {"FT10", "Fake game-item trading",
     "Trade only on the game's official platform; do not pay any fee to \"unlock\" a deal, "
     "and a parent should check recent payments."},
    {"FT11", "Screen-sharing / remote-control technique",
     "End the screen share now, change your payment passwords, and do not enter any "
     "verification code."},
    {"FT12", "Sextortion via a malicious chat app",
     "Do not pay, because paying leads to more demands; uninstall the app and report the "
     "accounts."},
    {"FT13", "Online gambling",
     "Gambling platforms are rigged and illegal, so stop depositing and report the accounts."},
};

int fsc_fraud_type_parse(const char *s, size_t len)
{
    if (len != 4 || (s[0] != 'F' && s[0] != 'f') || (s[1] != 'T' && s[1] != 't') ||
        s[2] < '0' || s[2] > '9' || s[3] < '0' || s[3] > '9')
        return 0;
    int ft = (s[2] - '0') * 10 + (s[3] - '0');
    return ft >= 1 && ft <= FSC_FRAUD_TYPES ? ft : 0;
}

static int valid(int ft)
{
    return ft >= 1 && ft <= FSC_FRAUD_TYPES ? ft : 0;
}

const char *fsc_fraud_type_code(int ft) { return types[valid(ft)].code; }
const char *fsc_fraud_type_name(int ft) { return types[valid(ft)].name; }
const char *fsc_fraud_type_instruction(int ft) { return types[valid(ft)].instruction; }

static const char *const group_names[] = {
#define FSC_X_NAME(e, name) name,
    FSC_GROUP_LIST(FSC_X_NAME)
#undef FSC_X_NAME
};

const char *fsc_group_name(fsc_group g)
{
    return (unsigned)g < FSC_GROUP_COUNT ? group_names[g] : "unknown";
}

fsc_group fsc_group_lookup(const char *s, size_t len)
{
    for (unsigned i = 0; i < FSC_GROUP_COUNT; i++)
        if (strlen(group_names[i]) == len && memcmp(group_names[i], s, len) == 0)
            return (fsc_group)i;
    return FSC_GROUP_COUNT;
}
