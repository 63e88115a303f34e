<?php
// The test users (password = username + "-pw"). Their role values vary: plain values in `roles`, the OIO basic
// privilege attribute as base64 XML (OIO-BPP, as KOMBIT's Context Handler sends it), and no role at all.
$oioPrivileges = 'https://data.gov.dk/model/core/eid/privilegesIntermediate';
$privilegeList = '<?xml version="1.0" encoding="UTF-8"?>'
    . '<bpp:PrivilegeList xmlns:bpp="http://digst.dk/oiosaml/basic_privilege_profile"'
    . ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    . '<PrivilegeGroup Scope="urn:dk:gov:saml:cvrNumberIdentifier:29189854">'
    . '<Privilege>urn:dk:kombit:vidensnet-udgiver</Privilege>'
    . '<Privilege>urn:dk:kombit:something-else</Privilege>'
    . '</PrivilegeGroup></bpp:PrivilegeList>';
$config = [
    'admin' => ['core:AdminPassword'],
    'users' => [
        'exampleauth:UserPass',
        'anna:anna-pw' => [
            'uid' => ['anna'],
            'displayName' => ['Anna Admin'],
            'mail' => ['anna@aarhus.dk'],
            'roles' => ['vidensnet-admin', 'intranet-user'],
        ],
        'lars:lars-pw' => [
            'uid' => ['lars'],
            'displayName' => ['Lars Læser'],
            'mail' => ['lars@aarhus.dk'],
            'roles' => ['vidensnet-laeser'],
        ],
        'bodil:bodil-pw' => [
            'uid' => ['bodil'],
            'https://data.gov.dk/model/core/eid/fullName' => ['Bodil Bæk Ørum'],
            'https://data.gov.dk/model/core/eid/email' => ['bodil@randers.dk'],
            $oioPrivileges => [base64_encode($privilegeList)],
        ],
        'niels:niels-pw' => [
            'uid' => ['niels'],
            'displayName' => ['Niels Uden Rolle'],
            'mail' => ['niels@aarhus.dk'],
        ],
    ],
];
